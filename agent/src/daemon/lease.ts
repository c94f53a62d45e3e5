import type { JobQueue, QueuedJob } from '../queue/job-queue.js';

/**
 * Holds a job while it runs: extends the message's visibility every third of the timeout, so a
 * live agent keeps its job and a dead agent's job reappears for another.
 */
export function holdLease(
  queue: JobQueue,
  job: QueuedJob,
  visibilitySeconds: number,
  onError: (error: unknown) => void,
): { stop(): void } {
  const every = Math.max(1000, Math.floor((visibilitySeconds * 1000) / 3));
  const extend = (): void => {
    queue.extend(job, visibilitySeconds).catch(onError);
  };
  // At once too: the queue's own visibility timeout may be shorter than a third of the lease.
  extend();
  const timer = setInterval(extend, every);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
