import type { Plan } from '@dockercise/shared';
import type { Repo, RunRecord, Store, WorkClaim } from '../store/store.js';

/**
 * Puts a recorded run where an agent takes it: the customer's SQS queue (Dispatcher), or the local
 * server's in-process queue (LocalDispatcher). Sending a run twice must be harmless.
 */
export interface RunSender {
  /** `repo`, the run's repository, when the caller has it already; otherwise the sender reads it. */
  send(run: RunRecord, repo?: Repo): Promise<void>;
}

/**
 * What a sender sends: the run's plan and repository. Undefined for a run with nothing to send (an
 * invalid pipeline, one already on its queue, or — with `claim` — one another replica is sending);
 * `known` saves reading a repository just read.
 */
export async function sendable(
  store: Pick<Store, 'getRepo' | 'claimRunSend'>,
  run: RunRecord,
  known: Repo | undefined,
  claim?: { now: Date; claim: WorkClaim },
): Promise<{ plan: Plan; repo: Repo | undefined } | undefined> {
  // A held run (a fork's pull request) is never sent before its owner allows it.
  const plan = run.status === 'recorded' && !run.held ? run.plan : undefined;
  if (!plan) return undefined;
  if (claim && !(await store.claimRunSend(run.runId, claim.now.toISOString(), claim.claim))) return undefined;
  return { plan, repo: known?.id === run.repoId ? known : await store.getRepo(run.repoId) };
}
