import type { RunEvent } from '@dockercise/shared';
import { JOB_LIFETIME_MS, JOB_VERSION, type JobBody, newJobNonce } from '@dockercise/shared/node';
import type { RunRecord } from '../store/store.js';

/** Who a job is for: it runs only on an agent of this account that reads this queue. */
export interface JobAddress {
  accountId: string;
  queue: string;
  /** What started the run: a push unless said otherwise. */
  event?: RunEvent;
}

/**
 * What every job for a run says, whichever queue it goes to; the sender adds the plan and checkout.
 * Each call makes a new job: a fresh nonce and lifetime, so a resend is never taken for a replay.
 */
export function jobBase(
  run: RunRecord,
  repository: string,
  issuedAt: Date,
  to: JobAddress,
  /** Who approved each of the run's approved gates. */
  approvers: Readonly<Record<string, string>> = {},
): Omit<JobBody, 'plan' | 'planPointer' | 'checkout'> {
  return {
    version: JOB_VERSION,
    runId: run.runId,
    pipeline: run.pipeline,
    source: {
      repository,
      commit: run.commit,
      ...(run.branch ? { branch: run.branch } : {}),
      ...(run.defaultBranch ? { defaultBranch: run.defaultBranch } : {}),
      ...(run.tag ? { tag: run.tag } : {}),
    },
    approvedGates: run.approvedGates,
    ...(Object.keys(approvers).length > 0 ? { approvers: { ...approvers } } : {}),
    event: to.event ?? run.event ?? 'push',
    ...(run.changed ? { changed: run.changed } : {}),
    ...(run.rerun ? { rerun: run.rerun } : {}),
    ...(run.fork ? { fork: true } : {}),
    accountId: to.accountId,
    queue: to.queue,
    nonce: newJobNonce(),
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + JOB_LIFETIME_MS).toISOString(),
  };
}

/** Who approved each approved gate of a run, as its job tells its agent. */
export async function approversOf(
  store: { approvals(runId: string): Promise<Array<{ gate: string; login: string }>> },
  run: RunRecord,
): Promise<Record<string, string>> {
  if (run.approvedGates.length === 0) return {};
  return Object.fromEntries((await store.approvals(run.runId)).map((a) => [a.gate, a.login]));
}
