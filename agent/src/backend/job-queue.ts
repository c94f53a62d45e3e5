/** A job as received: its body and what is needed to acknowledge, extend or release it. */
export interface QueuedJob {
  messageId: string;
  receiptHandle: string;
  body: string;
  receiveCount: number;
}

/** The queue the agent takes jobs from. SQS on a customer's account; any at-least-once queue fits. */
export interface JobQueue {
  /** Long-polls for up to `max` jobs; resolves empty when the wait ends with nothing. */
  receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<QueuedJob[]>;
  /** Acknowledges a job: it will not be delivered again. */
  delete(job: QueuedJob): Promise<void>;
  /** Keeps a job invisible to other agents for `seconds` more (the lease). */
  extend(job: QueuedJob, seconds: number): Promise<void>;
  /** Makes a job visible again after `delaySeconds`, for this or another agent to retry. */
  release(job: QueuedJob, delaySeconds: number): Promise<void>;
  /** Moves a job that can never succeed to the dead-letter queue, with the reason, and deletes it. */
  deadLetter(job: QueuedJob, reason: string): Promise<void>;
  /** About how many jobs wait to be taken (SQS's counts are approximate): a host checks before it leaves. */
  waiting(): Promise<number>;
}

/** The queue is gone or forbidden: retrying will not help, and the agent stops with the reason. */
export class QueueUnusableError extends Error {
  override readonly name = 'QueueUnusableError';
}
