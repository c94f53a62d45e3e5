import type { RunRecord } from '../store/store.js';

/**
 * Puts a recorded run where an agent takes it: the customer's SQS queue (Dispatcher), or the local
 * server's in-process queue (LocalDispatcher). Sending a run twice must be harmless.
 */
export interface RunSender {
  send(run: RunRecord): Promise<void>;
}
