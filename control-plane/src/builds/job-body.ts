import { type Plan, planSchema } from '@dockercise/shared';
import type { JobBody } from '@dockercise/shared/node';
import type { RunRecord } from '../store/store.js';

/** The plan a run was recorded with (stored as its JSON text); undefined for an invalid pipeline. */
export function planOf(run: RunRecord): Plan | undefined {
  return run.plan ? planSchema.parse(JSON.parse(run.plan)) : undefined;
}

/** What every job for a run says, whichever queue it goes to; the sender adds the plan and checkout. */
export function jobBase(
  run: RunRecord,
  repository: string,
  issuedAt: Date,
): Omit<JobBody, 'plan' | 'planPointer' | 'checkout'> {
  return {
    version: 1,
    runId: run.runId,
    pipeline: run.pipeline,
    source: { repository, commit: run.commit, ...(run.branch ? { branch: run.branch } : {}) },
    approvedGates: run.approvedGates,
    issuedAt: issuedAt.toISOString(),
  };
}
