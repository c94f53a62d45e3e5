import type { RunLease } from '../backend/run-leases.js';

/**
 * Keeps a run's lease while the run goes on: renewed every third of its time to live. When it is
 * lost (someone else took it after it ran out), or cannot be renewed before it would run out,
 * `onLost` is called once: the run must stop and write nothing more, for another agent has it.
 */
export function holdRunLease(
  lease: RunLease,
  ttlMs: number,
  onLost: () => void,
  onError: (error: unknown) => void,
  now: () => number = Date.now,
): { stop(): Promise<void>; readonly lost: boolean } {
  let validUntil = now() + ttlMs;
  let lost = false;
  let stopped = false;
  let last: Promise<void> = Promise.resolve();
  const lose = (): void => {
    if (lost) return;
    lost = true;
    clearInterval(timer);
    onLost();
  };
  const renew = (): void => {
    if (stopped || lost) return;
    last = lease.renew().then(
      (kept) => {
        if (kept) validUntil = now() + ttlMs;
        else lose();
      },
      (error: unknown) => {
        onError(error);
        // A lease not renewed in time may be someone else's already: stop before that can happen.
        if (now() > validUntil - ttlMs / 3) lose();
      },
    );
  };
  const timer = setInterval(renew, Math.max(500, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    get lost() {
      return lost;
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await last;
      if (!lost) await lease.release().catch(onError);
    },
  };
}
