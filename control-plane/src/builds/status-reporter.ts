import type { Logger } from '@dockercise/shared';
import { type GitHub, GitHubRateLimitError } from '../github/github.js';
import type { RunResults } from '../results/run-results.js';
import type { RunRecord, Store } from '../store/store.js';
import { CLAIM_MS, claimFor } from './claims.js';
import { commitStatusOf, STATUS_CONTEXT } from './commit-status.js';

/** A run whose result has not changed is read less often, down to this. */
const SLOWEST_MS = 8_000;
const FASTEST_MS = 2_000;
/** Runs older than this are not watched: their agent is long gone, and the commit moved on. */
const WATCH_FOR_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Tells GitHub how each run stands, as a commit status on its commit (and so on every pull request
 * whose head it is). Only runs not finished are read, each through its account's role, from every
 * 2 s while it changes to every 8 s while it does not: a run's end reaches GitHub within about 10 s,
 * and an account with no run going costs no AWS request at all. Scanning buckets, or an S3 event
 * pipeline into every customer stack, would cost more in requests or in moving parts.
 */
export class StatusReporter {
  private readonly next = new Map<string, { at: number; interval: number }>();
  private pausedUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly github: GitHub,
    private readonly results: RunResults,
    private readonly publicUrl: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
    /** This replica: one replica at a time reports, under a lease, so statuses are not sent twice. */
    private readonly replica = 'control-plane',
  ) {}

  /** One look at every run due for one; safe to call often (index.ts: every second). */
  async pass(): Promise<void> {
    const at = this.now();
    const now = at.getTime();
    if (now < this.pausedUntil) return;
    if (
      !(await this.store.holdLease(
        'status-reporter',
        at.toISOString(),
        claimFor(this.replica, CLAIM_MS.task, at),
      ))
    )
      return;
    const runs = await this.store.runsToReport(new Date(now - WATCH_FOR_MS).toISOString());
    const watched = new Set(runs.map((r) => r.runId));
    for (const runId of this.next.keys()) if (!watched.has(runId)) this.next.delete(runId);
    for (const run of runs) {
      const due = this.next.get(run.runId);
      if (due && due.at > now) continue;
      try {
        const changed = await this.report(run);
        const interval = changed || !due ? FASTEST_MS : Math.min(due.interval * 2, SLOWEST_MS);
        this.next.set(run.runId, { at: now + interval, interval });
      } catch (error) {
        if (error instanceof GitHubRateLimitError) {
          this.pausedUntil = error.resetAt.getTime();
          this.logger.warn({ resetAt: error.resetAt }, 'GitHub rate limit: statuses wait for the reset');
          return;
        }
        this.logger.warn({ err: error, runId: run.runId }, 'could not report the run to GitHub; will retry');
        this.next.set(run.runId, { at: now + SLOWEST_MS, interval: SLOWEST_MS });
      }
    }
  }

  /** Sends the run's status when it differs from the last sent; whether it did. */
  private async report(run: RunRecord): Promise<boolean> {
    const result = await this.results.current(run);
    const status = commitStatusOf(
      result,
      run.status === 'invalid' ? (run.errors ?? []) : undefined,
      run.held === true,
    );
    const last = run.reportedStatus;
    if (last?.state === status.state && last.description === status.description) return false;
    const repo = await this.store.getRepo(run.repoId);
    const owner = repo ? await this.store.getUser(repo.ownerId) : undefined;
    if (!repo || !owner) {
      // Nobody to report as: the repository was disconnected. Final, so it is not looked at again.
      await this.store.saveReportedStatus(run.runId, {
        state: 'error',
        description: 'repository disconnected',
      });
      return true;
    }
    await this.github.createStatus(owner.token, repo.fullName, run.commit, {
      ...status,
      context: STATUS_CONTEXT,
      targetUrl: `${this.publicUrl}/results/${encodeURIComponent(run.accountId)}/${encodeURIComponent(run.pipeline)}/${run.runId}`,
    });
    await this.store.saveReportedStatus(run.runId, status);
    this.logger.info({ runId: run.runId, state: status.state }, 'commit status sent');
    return true;
  }
}
