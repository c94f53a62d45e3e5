/**
 * Every signed job an agent has accepted, by its nonce, with the queue message that brought it. It
 * outlives the run's results, so a job cannot be run again once they expire: a second message
 * carrying the same signed job is a replay. The same message delivered again (SQS redelivers until
 * a job is deleted) is the run going on, and resumes it.
 */
export interface JobLedger {
  claim(nonce: string, messageId: string): Promise<'first' | 'redelivery' | 'replay'>;
}
