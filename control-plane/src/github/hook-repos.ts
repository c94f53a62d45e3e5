import type { Repo, Store } from '../store/store.js';

/** Few enough to never matter for memory; a burst from many repositories still finds most. */
const MAX_ENTRIES = 10_000;

/**
 * The repository a webhook's hook id names, remembered for a few seconds: a burst of deliveries
 * for one repository reads it once, not once each (half of the accept path's database work).
 * Seconds are safe: a repository's secret changes only when it is connected again, which makes a
 * new hook with a new id; a delivery for one just disconnected is built, and finds it gone.
 */
export function createHookRepos(store: Pick<Store, 'getRepoByHookId'>, ttlMs = 5000, now = Date.now) {
  const known = new Map<number, { repo: Repo | undefined; until: number }>();
  return async (hookId: number): Promise<Repo | undefined> => {
    const at = now();
    const hit = known.get(hookId);
    if (hit && hit.until > at) return hit.repo;
    const repo = await store.getRepoByHookId(hookId);
    // An unknown hook is not remembered: it is what a forged delivery names, and it costs nothing
    // to keep refusing it from the database.
    if (repo) {
      if (known.size >= MAX_ENTRIES) known.delete(known.keys().next().value as number);
      known.set(hookId, { repo, until: at + ttlMs });
    } else known.delete(hookId);
    return repo;
  };
}
