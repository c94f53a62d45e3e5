import { z } from 'zod';
import type { DeliveryClaim } from '../store/store.js';

/**
 * GitHub's `push` and `pull_request` deliveries, read into the build they ask for — or why they
 * ask for none. Pure: the route has checked the signature before anything here runs.
 */

const commitSchema = z.object({
  added: z.array(z.string()).default([]),
  removed: z.array(z.string()).default([]),
  modified: z.array(z.string()).default([]),
});

const pushSchema = z.object({
  ref: z.string(),
  after: z.string().regex(/^[0-9a-f]{40}$/),
  deleted: z.boolean().optional(),
  repository: z.object({ id: z.number(), full_name: z.string(), default_branch: z.string().optional() }),
  head_commit: z.object({ message: z.string() }).nullable().optional(),
  pusher: z.object({ name: z.string() }).optional(),
  sender: z.object({ login: z.string() }).optional(),
  commits: z.array(commitSchema).optional(),
});

const pullRequestSchema = z.object({
  action: z.string(),
  number: z.number(),
  repository: z.object({ id: z.number(), full_name: z.string(), default_branch: z.string().optional() }),
  sender: z.object({ login: z.string() }).optional(),
  pull_request: z.object({
    title: z.string(),
    head: z.object({
      sha: z.string().regex(/^[0-9a-f]{40}$/),
      // null when the fork was deleted: treated as a fork.
      repo: z.object({ full_name: z.string() }).nullable(),
    }),
    base: z.object({ ref: z.string() }),
  }),
});

/** GitHub lists at most this many commits in a push; past it the changed files are not all known. */
const MAX_LISTED_COMMITS = 2048;
/** The pull request actions that bring new code to build. */
const BUILT_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

export type WantedBuild = Omit<DeliveryClaim, 'deliveryId' | 'bodySha256'>;
export type EventReading = { build: WantedBuild } | { ignored: string } | { invalid: string };

export function readPush(payload: unknown, repoId: number): EventReading {
  const push = pushSchema.safeParse(payload);
  if (!push.success) return { invalid: 'not a push payload' };
  const p = push.data;
  if (p.deleted || /^0+$/.test(p.after)) return { ignored: 'branch deletion' };
  if (p.repository.id !== repoId) return { invalid: 'the push is for another repository' };
  const branch = p.ref.startsWith('refs/heads/') ? p.ref.slice('refs/heads/'.length) : undefined;
  const tag = p.ref.startsWith('refs/tags/') ? p.ref.slice('refs/tags/'.length) : undefined;
  const message = p.head_commit?.message.split('\n')[0]?.slice(0, 200);
  const pusher = p.sender?.login ?? p.pusher?.name;
  // Unknown (so paths filters match) when GitHub may have left commits out, or listed none.
  const changed =
    p.commits && p.commits.length > 0 && p.commits.length < MAX_LISTED_COMMITS
      ? [...new Set(p.commits.flatMap((c) => [...c.added, ...c.removed, ...c.modified]))].sort()
      : undefined;
  return {
    build: {
      repoId,
      commit: p.after,
      event: 'push',
      ...(branch ? { branch } : {}),
      ...(tag ? { tag } : {}),
      ...(message ? { message } : {}),
      ...(pusher ? { triggeredBy: `push by ${pusher}` } : {}),
      ...(changed ? { changed } : {}),
      ...(p.repository.default_branch ? { defaultBranch: p.repository.default_branch } : {}),
    },
  };
}

/**
 * A pull request opened, reopened or pushed to builds its head commit, as `event: pull_request` on
 * its base branch (what `when: { branch }` filters see). One from a fork is held until the
 * repository's owner allows it: its code would otherwise run with the repository's deploy key.
 */
export function readPullRequest(payload: unknown, repoId: number): EventReading {
  const parsed = pullRequestSchema.safeParse(payload);
  if (!parsed.success) return { invalid: 'not a pull_request payload' };
  const p = parsed.data;
  if (!BUILT_ACTIONS.has(p.action)) return { ignored: `pull request ${p.action}` };
  if (p.repository.id !== repoId) return { invalid: 'the pull request is for another repository' };
  const fork = p.pull_request.head.repo?.full_name !== p.repository.full_name;
  return {
    build: {
      repoId,
      commit: p.pull_request.head.sha,
      event: 'pull_request',
      branch: p.pull_request.base.ref,
      message: `#${p.number} ${p.pull_request.title}`.slice(0, 200),
      ...(p.sender ? { triggeredBy: `pull request by ${p.sender.login}` } : {}),
      ...(fork ? { held: true } : {}),
      // GitHub keeps every pull request's head in the base repository under this ref, so the deploy
      // key (which reads only the base repository) can fetch a fork's commit.
      checkoutRef: `refs/pull/${p.number}/head`,
      ...(p.repository.default_branch ? { defaultBranch: p.repository.default_branch } : {}),
    },
  };
}
