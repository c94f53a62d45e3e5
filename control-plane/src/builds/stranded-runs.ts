import type { Logger } from '@dockercise/shared';
import { JOB_LIFETIME_MS } from '@dockercise/shared/node';
import type { HostCapacity } from '../aws/host-capacity.js';
import type { RunRecord, RunSummary, Store } from '../store/store.js';

/** The longest wait between two tries for one account: once an hour while its runs stay stranded. */
const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * Past its job's lifetime (plus an hour for a host's clock and a last lease), a sent run with no
 * result will never get one: its job expired on the queue or was dead-lettered.
 */
export const LOST_AFTER_MS = JOB_LIFETIME_MS + 60 * 60 * 1000;
export const LOST_RUN_ERROR =
  'lost: no host reported a result within 25 hours of sending (the job expired or was dead-lettered)';

/** A lost run's summary: ended now, failed, saying why. */
export function lostSummary(run: RunRecord, now: Date): RunSummary {
  return {
    status: 'failed',
    startedAt: run.sentAt ?? run.createdAt,
    endedAt: now.toISOString(),
    error: LOST_RUN_ERROR,
  };
}

/**
 * Runs that were sent but whose result.json has not appeared after a few minutes: their job is on
 * the queue, but no host came for it (the last host left just as it arrived, or its start failed).
 * Each such account's group is sized again — once, then with a doubling wait, so a stack that can
 * never start a host is not asked every few seconds.
 */
export class StrandedRuns {
  private readonly next = new Map<string, { at: number; waitMs: number }>();

  constructor(
    private readonly store: Store,
    private readonly capacity: HostCapacity,
    private readonly logger: Logger,
    /** How long a sent run may go without a result before its host is asked for again. */
    private readonly afterMs = 3 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async pass(): Promise<void> {
    const now = this.now();
    // Lost runs end first: they count as active no longer, and wake no host again.
    const lostBefore = new Date(now - LOST_AFTER_MS).toISOString();
    for (const run of await this.store.strandedRuns(lostBefore, new Date(0).toISOString())) {
      await this.store.saveRunSummary(run.runId, lostSummary(run, new Date(now)));
      this.logger.warn(
        { account: run.accountId, runId: run.runId },
        'run lost: no result a day after it was sent',
      );
    }
    const runs = await this.store.strandedRuns(new Date(now - this.afterMs).toISOString(), lostBefore);
    const accounts = new Set(runs.map((r) => r.accountId));
    for (const accountId of this.next.keys()) if (!accounts.has(accountId)) this.next.delete(accountId);
    for (const accountId of accounts) {
      const due = this.next.get(accountId);
      if (due && due.at > now) continue;
      const waitMs = Math.min(due ? due.waitMs * 2 : this.afterMs, MAX_WAIT_MS);
      this.next.set(accountId, { at: now + waitMs, waitMs });
      const account = await this.store.getAccount(accountId);
      if (!account?.verifiedAt) continue;
      try {
        const hosts = await this.capacity.ensure(account);
        this.logger.warn(
          {
            account: accountId,
            runs: runs.filter((r) => r.accountId === accountId).map((r) => r.runId),
            hosts,
          },
          'runs were sent but no host took them: host capacity set again',
        );
      } catch (error) {
        this.logger.warn(
          { account: accountId, err: error },
          'could not set the host capacity for stranded runs',
        );
      }
    }
  }
}
