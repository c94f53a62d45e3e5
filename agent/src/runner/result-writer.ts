import type { RunResult } from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';

/**
 * Saves `result.json` at every status change without piling up writes: while one save is under
 * way, later changes are merged into a single next save of the newest state.
 */
export class ResultWriter {
  private inFlight: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: ResultStore,
    private readonly snapshot: () => RunResult,
    private readonly onError: (error: unknown) => void,
  ) {}

  changed(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.loop().finally(() => {
      this.inFlight = undefined;
    });
  }

  /** Waits for pending saves, then saves the final state; throws if that last save fails. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    await this.store.saveResult(this.snapshot());
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.store.saveResult(this.snapshot());
      } catch (error) {
        // A failed intermediate save is reported, not fatal: the next change or the final flush retries it.
        this.onError(error);
      }
    } while (this.again);
  }
}
