import type { Build, Repo } from '../store/store.js';
import type { Builder } from './builder.js';

/** Where the webhook hands a build it recorded: built after the answer, here or on another thread. */
export interface Builds {
  /** `repo` when the caller has just read it, so the build need not read it again. */
  enqueue(build: Build, repo?: Repo): void;
  /** Resolves when nothing handed over is queued or running here. */
  idle(): Promise<void>;
}

/**
 * Builds run a few at a time, behind the webhook's answer. A flood of pushes must not starve the
 * accept path of the event loop, and needs no memory of its own: every waiting build is already
 * recorded in the store. A build already queued or running is not queued again, so the reconciler
 * and the webhook never process the same delivery at once.
 */
export class BuildQueue implements Builds {
  private readonly waiting: Array<{ build: Build; repo?: Repo }> = [];
  private readonly known = new Set<string>();
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private source: ((free: number) => Promise<Build[]>) | undefined;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;

  constructor(
    private readonly builder: Builder,
    private readonly concurrency = 4,
  ) {}

  /**
   * Builds taken from the store as slots free up, not pushed: a replica claims only what it can
   * build now (with SKIP LOCKED, never what another replica took), so a burst is shared between
   * replicas instead of hoarded by the one that accepted it.
   */
  pullFrom(source: (free: number) => Promise<Build[]>): void {
    this.source = source;
  }

  /**
   * Shutting down: takes nothing more, and resolves once what it holds (at most its concurrency:
   * it only claims what it has slots for) is built. The rest waits in the store for another.
   */
  async close(): Promise<void> {
    this.source = undefined;
    await this.pulling;
    await this.idle();
  }

  /** Claims as many builds as there are free slots (again, if more may be waiting). */
  pull(): void {
    if (!this.source) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    const source = this.source;
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        const free = this.concurrency - this.active - this.waiting.length;
        if (free <= 0) return;
        const builds = this.source ? await source(free).catch(() => []) : [];
        for (const build of builds) this.enqueue(build);
        // All it asked for came: more may be there.
        if (builds.length === free) this.pullAgain = true;
      } while (this.pullAgain);
    })().finally(() => {
      this.pulling = undefined;
    });
  }

  /** `repo` when the caller has just read it, so the build need not read it again. */
  enqueue(build: Build, repo?: Repo): void {
    if (this.known.has(build.deliveryId)) return;
    this.known.add(build.deliveryId);
    this.waiting.push(repo ? { build, repo } : { build });
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const next = this.waiting.shift();
      if (!next) break;
      const { build, repo } = next;
      this.active++;
      this.builder
        .build(build, repo)
        .catch(() => {}) // the builder records its own failures on the build
        .finally(() => {
          this.active--;
          this.known.delete(build.deliveryId);
          this.pump();
          this.pull();
          if (this.active === 0 && this.waiting.length === 0)
            for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
