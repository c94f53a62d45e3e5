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
    event: to.event ?? run.event ?? 'push',
    ...(run.changed ? { changed: run.changed } : {}),
    ...(run.rerun ? { rerun: run.rerun } : {}),
    accountId: to.accountId,
    queue: to.queue,
    nonce: newJobNonce(),
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + JOB_LIFETIME_MS).toISOString(),
  };
}
