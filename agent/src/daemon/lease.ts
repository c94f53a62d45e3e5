import type { JobQueue, QueuedJob } from '../backend/job-queue.js';

/**
 * Holds a job while it runs: extends the message's visibility every third of the timeout, so a
 * live agent keeps its job and a dead agent's job reappears for another.
 */
export function holdLease(
  queue: JobQueue,
  job: QueuedJob,
  visibilitySeconds: number,
  onError: (error: unknown) => void,
): {
  /**
   * Ends the lease and waits for an extension still on its way: the release or delete that follows
   * must reach the queue after it, or the extension would hide a released job again.
   */
  stop(): Promise<void>;
} {
  const every = Math.max(1000, Math.floor((visibilitySeconds * 1000) / 3));
  let last: Promise<void> = Promise.resolve();
  let stopped = false;
  const extend = (): void => {
    if (stopped) return;
    last = queue.extend(job, visibilitySeconds).catch(onError);
  };
  // At once too: the queue's own visibility timeout may be shorter than a third of the lease.
  extend();
  const timer = setInterval(extend, every);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await last;
    },
  };
}
