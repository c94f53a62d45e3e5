import { FINISHED_RUN_STATUSES, initialRunResult, type RunResult } from '@dockercise/shared';
import type { RunRecord, RunSummary, Store } from '../store/store.js';
import type { ResultReader } from './result-reader.js';

/**
 * A run's result as the API shows it: what its agent last wrote (or what stands in for it before
 * then), with who approved its gates. Each read keeps the run's summary in the store, so lists show
 * an ended run without reading its result again.
 */
export class RunResults {
  constructor(
    private readonly store: Store,
    private readonly reader: ResultReader,
  ) {}

  async current(run: RunRecord): Promise<RunResult> {
    const stored = run.status === 'invalid' ? undefined : await this.reader.result(run);
    const result = stored ? awaitingRerun(stored, run) : synthesized(run);
    const summary = summaryOf(result);
    // Only what the agent wrote (or an invalid pipeline's end) is kept: a run without a summary is
    // one whose result.json has never been seen, which is how a stranded run is found.
    if ((stored || run.status === 'invalid') && JSON.stringify(summary) !== JSON.stringify(run.summary))
      await this.store.saveRunSummary(run.runId, summary);
    const approvals = await this.store.approvals(run.runId);
    result.gates = result.gates.map((gate) => {
      const approval = approvals.find((a) => a.gate === gate.name);
      return approval
        ? {
            ...gate,
            status: 'approved' as const,
            approvedBy: approval.login,
            approvedAt: approval.approvedAt,
          }
        : gate;
    });
    return result;
  }

  /**
   * Cancels a run: the marker its agent watches, and — when no host has written its result yet
   * (a job still on the queue, or one that will never run) — its end, at once. A host that takes
   * the job later finds the marker and runs nothing.
   */
  async cancel(run: RunRecord, now: Date): Promise<void> {
    await this.reader.requestCancel(run);
    if (run.status === 'invalid' || (await this.reader.result(run))) return;
    await this.store.saveRunSummary(run.runId, {
      status: 'cancelled',
      startedAt: run.createdAt,
      endedAt: now.toISOString(),
      error: 'cancelled before any host took it',
    });
  }

  /** Where a run stands: an ended run's summary is final and comes from the store, unread. */
  async summary(run: RunRecord): Promise<RunSummary> {
    if (run.summary && FINISHED_RUN_STATUSES.has(run.summary.status)) return run.summary;
    return summaryOf(await this.current(run));
  }
}

export function summaryOf(result: RunResult): RunSummary {
  return {
    status: result.status,
    startedAt: result.startedAt,
    ...(result.endedAt ? { endedAt: result.endedAt } : {}),
    ...(result.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** What the results show for a run that has no result.json: not sent yet, or an invalid pipeline. */
function synthesized(run: RunRecord): RunResult {
  const result = initialRunResult({
    runId: run.runId,
    pipeline: run.pipeline,
    plan: run.plan,
    startedAt: run.createdAt,
    isApproved: (gate) => run.approvedGates.includes(gate),
    source: { commit: run.commit, ...(run.branch ? { branch: run.branch } : {}) },
  });
  // Ended without a result: lost (stranded-runs.ts), or cancelled before a host took it.
  if (run.status !== 'invalid' && run.summary && FINISHED_RUN_STATUSES.has(run.summary.status))
    return {
      ...result,
      status: run.summary.status,
      ...(run.summary.endedAt ? { endedAt: run.summary.endedAt } : {}),
      ...(run.summary.error ? { error: run.summary.error } : {}),
    };
  if (run.status !== 'invalid') return result;
  return {
    ...result,
    status: 'failed',
    endedAt: run.createdAt,
    durationMs: 0,
    ...(run.errors ? { error: run.errors.join('\n') } : {}),
  };
}

/**
 * A re-run asked for, whose attempt the agent has not begun: the run is pending again, not ended as
 * its last attempt ended (which the result keeps until the agent writes the new one).
 */
function awaitingRerun(stored: RunResult, run: RunRecord): RunResult {
  if (!run.rerun || (stored.attempt ?? 1) >= run.rerun.attempt) return stored;
  const { endedAt: _ended, durationMs: _duration, error: _error, ...going } = stored;
  return { ...going, status: 'pending' };
}
