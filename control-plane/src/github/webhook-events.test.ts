import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readPullRequest, readPush } from './webhook-events.js';

type Example = { name: string; examples: Array<Record<string, unknown>> };
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
) as Example[];
const pullRequests = examples.find((e) => e.name === 'pull_request')?.examples ?? [];
const REPO_ID = 186853002;

function pr(action: string): Record<string, unknown> & { pull_request: Record<string, unknown> } {
  const found = pullRequests.find((p) => p.action === action);
  if (!found) throw new Error(`no ${action} example`);
  return structuredClone(found) as Record<string, unknown> & { pull_request: Record<string, unknown> };
}

describe('reading GitHub deliveries into builds', () => {
  it("builds an opened pull request's head commit on its base branch, as a pull_request", () => {
    expect(readPullRequest(pr('opened'), REPO_ID)).toEqual({
      build: {
        repoId: REPO_ID,
        commit: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        event: 'pull_request',
        branch: 'master',
        message: '#2 Update the README with new information.',
        triggeredBy: 'pull request by Codertocat',
        checkoutRef: 'refs/pull/2/head',
        // Whose caches the run reads after its branch's own.
        defaultBranch: 'master',
      },
    });
    expect('build' in readPullRequest(pr('synchronize'), REPO_ID)).toBe(true);
    expect('build' in readPullRequest(pr('reopened'), REPO_ID)).toBe(true);
  });

  it('holds a pull request from a fork (or a deleted fork) for the owner to allow', () => {
    const fork = pr('opened');
    (fork.pull_request.head as { repo: unknown }).repo = { full_name: 'stranger/Hello-World' };
    expect(readPullRequest(fork, REPO_ID)).toMatchObject({ build: { held: true } });
    (fork.pull_request.head as { repo: unknown }).repo = null;
    expect(readPullRequest(fork, REPO_ID)).toMatchObject({ build: { held: true } });
  });

  it('ignores pull request actions that bring no code, and refuses what is not a payload', () => {
    expect(readPullRequest(pr('labeled'), REPO_ID)).toEqual({ ignored: 'pull request labeled' });
    expect(readPullRequest(pr('closed'), REPO_ID)).toEqual({ ignored: 'pull request closed' });
    expect(readPullRequest({ action: 'opened' }, REPO_ID)).toEqual({ invalid: 'not a pull_request payload' });
    expect(readPullRequest(pr('opened'), 1)).toEqual({
      invalid: 'the pull request is for another repository',
    });
  });

  it('reads a push: branch, files changed, and a deletion to ignore', () => {
    const push = {
      ref: 'refs/heads/main',
      after: 'a'.repeat(40),
      repository: { id: REPO_ID, full_name: 'Codertocat/Hello-World' },
      head_commit: { message: 'Fix it\n\nlong body' },
      sender: { login: 'octo' },
      commits: [{ added: ['b.txt'], removed: [], modified: ['a.txt'] }],
    };
    expect(readPush(push, REPO_ID)).toEqual({
      build: {
        repoId: REPO_ID,
        commit: 'a'.repeat(40),
        event: 'push',
        branch: 'main',
        message: 'Fix it',
        triggeredBy: 'push by octo',
        changed: ['a.txt', 'b.txt'],
      },
    });
    expect(readPush({ ...push, deleted: true, after: '0'.repeat(40) }, REPO_ID)).toEqual({
      ignored: 'branch deletion',
    });
    // A tag's push is of no branch: its steps see the tag.
    expect(readPush({ ...push, ref: 'refs/tags/v1.2.0' }, REPO_ID)).toMatchObject({
      build: { tag: 'v1.2.0', event: 'push' },
    });
    expect(readPush({ ...push, ref: 'refs/tags/v1.2.0' }, REPO_ID)).not.toMatchObject({
      build: { branch: expect.anything() },
    });
  });
});
