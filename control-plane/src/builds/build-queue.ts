import type { Build, Repo } from '../store/store.js';
import type { Builder } from './builder.js';

/**
 * Builds run a few at a time, behind the webhook's answer. A flood of pushes must not starve the
 * accept path of the event loop, and needs no memory of its own: every waiting build is already
 * recorded in the store. A build already queued or running is not queued again, so the reconciler
 * and the webhook never process the same delivery at once.
 */
export class BuildQueue {
  private readonly waiting: Array<{ build: Build; repo?: Repo }> = [];
  private readonly known = new Set<string>();
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly builder: Builder,
    private readonly concurrency = 4,
  ) {}

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
          if (this.active === 0 && this.waiting.length === 0)
            for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
