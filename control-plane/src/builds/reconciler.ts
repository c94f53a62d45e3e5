import type { Logger } from '@dockercise/shared';
import type { Store } from '../store/store.js';
import type { BuildQueue } from './build-queue.js';
import { CLAIM_MS, claimFor } from './claims.js';
import type { RunSender } from './run-sender.js';

/**
 * Finishes what a crash or an outage interrupted: pushes recorded but not yet built (or whose
 * builder died: its claim ran out), runs recorded but not yet sent, and runs sent that no host took.
 * Runs every few seconds on every replica, and at start-up: builds and sends are claimed one by
 * one, so replicas share them and never do one twice; the stranded runs are one replica's at a
 * time, under a lease.
 */
export class Reconciler {
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly builds: BuildQueue,
    private readonly dispatcher: RunSender,
    private readonly logger: Logger,
    /** Runs younger than this are left to the request that recorded them. */
    private readonly graceMs = 10_000,
    private readonly now: () => Date = () => new Date(),
    /** Sent runs no host took (hosted only: the local server's agent is always there). */
    private readonly stranded?: { pass(): Promise<void> },
    /** This replica, as its claims name it. */
    private readonly replica = 'control-plane',
  ) {}

  /** One pass; concurrent calls share it. */
  pass(): Promise<void> {
    this.running ??= this.once().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async once(): Promise<void> {
    const now = this.now();
    // Builds waiting (or whose builder died: its claim ran out), as many as there are free slots.
    this.builds.pull();
    await this.builds.idle();
    const before = new Date(now.getTime() - this.graceMs).toISOString();
    for (const run of await this.store.unsentRuns(before)) {
      try {
        await this.dispatcher.send(run);
        this.logger.info({ runId: run.runId }, 'reconciler sent a recorded run');
      } catch (error) {
        this.logger.warn({ runId: run.runId, err: error }, 'reconciler could not send a run; will try again');
      }
    }
    if (this.stranded && (await this.store.holdLease('stranded-runs', now.toISOString(), this.task(now))))
      await this.stranded.pass();
  }

  private task(now: Date) {
    return claimFor(this.replica, CLAIM_MS.task, now);
  }
}
