import type { Repo, RunRecord } from '../store/store.js';

/**
 * Puts a recorded run where an agent takes it: the customer's SQS queue (Dispatcher), or the local
 * server's in-process queue (LocalDispatcher). Sending a run twice must be harmless.
 */
export interface RunSender {
  /** `repo`, the run's repository, when the caller has it already; otherwise the sender reads it. */
  send(run: RunRecord, repo?: Repo): Promise<void>;
}
