import { describe, expect, it } from 'vitest';
import type { Repo } from '../store/store.js';
import { createHookRepos } from './hook-repos.js';

const repo = (id: number): Repo => ({
  id,
  fullName: `octo/app-${id}`,
  ownerId: 1,
  accountId: '123456789012',
  webhookId: 500 + id,
  webhookSecret: 's',
  deployPrivateKey: 'k',
});

describe("a webhook's repository, by its hook id", () => {
  it('is read once for a burst, again once the few seconds are over, and never remembered when unknown', async () => {
    let clock = 0;
    const reads: number[] = [];
    const repos = new Map([[501, repo(1)]]);
    const lookup = createHookRepos(
      {
        getRepoByHookId: async (hookId) => {
          reads.push(hookId);
          return repos.get(hookId);
        },
      },
      5000,
      () => clock,
    );
    for (let i = 0; i < 10; i++) expect((await lookup(501))?.id).toBe(1);
    expect(await lookup(999)).toBeUndefined();
    expect(await lookup(999)).toBeUndefined();
    expect(reads).toEqual([501, 999, 999]);
    // Disconnected: within the seconds it is still found (its build then finds it gone)...
    repos.delete(501);
    clock = 4000;
    expect((await lookup(501))?.id).toBe(1);
    // ...and after them, not.
    clock = 5001;
    expect(await lookup(501)).toBeUndefined();
    expect(reads).toEqual([501, 999, 999, 501]);
  });
});
