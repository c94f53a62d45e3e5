import { createHash } from 'node:crypto';
import type { RunContext } from '@dockercise/shared';

/**
 * Whose caches a run may read and write, GitHub Actions' rule: a run writes only its own
 * branch's caches and reads its own, then the default branch's. A pull request's run (a fork's or
 * not) is untrusted: it reads those, and writes nothing another run reads — it works on copies that
 * go when the run ends. Caches belong to a repository, never to a folder's name: two checkouts
 * both called `app` share nothing.
 */
export interface CacheScope {
  /** The repository's identity: its id or full name hosted, its remote URL (or path) locally. */
  repository: string;
  /** The branch (or tag) the run is for; none for a run of no branch. */
  branch?: string;
  /** Read after the run's own branch, when it is another. */
  defaultBranch?: string;
  trusted: boolean;
}

/** The scope a run's context implies, where nothing more is known (repository = pipeline). */
export function scopeOf(
  pipeline: string,
  context: RunContext | undefined,
  more: Partial<CacheScope> = {},
): CacheScope {
  return {
    repository: more.repository ?? pipeline,
    ...(context?.branch ? { branch: context.branch } : {}),
    ...(more.defaultBranch ? { defaultBranch: more.defaultBranch } : {}),
    trusted: more.trusted ?? context?.event !== 'pull_request',
  };
}

/** The branches a run reads caches of, in order (written only by trusted runs of each). */
export function readBranches(scope: CacheScope): Array<string | undefined> {
  const own = scope.branch;
  return scope.defaultBranch && scope.defaultBranch !== own ? [own, scope.defaultBranch] : [own];
}

/**
 * A trusted branch's volume for a cache: kept across runs (it carries no run label). Named by a
 * digest, since keys and branches may hold any text; the `branch:` part can never be a pull
 * request's, whose volumes are per run (runCacheVolume).
 */
export function branchCacheVolume(
  scope: CacheScope,
  branch: string | undefined,
  pipeline: string,
  key: string,
): string {
  return `dockercise-cache-${digest(scope.repository, `branch:${branch ?? ''}`, pipeline, key)}`;
}

/** An untrusted run's copy of a cache: its own, removed when the attempt ends. */
export function runCacheVolume(scope: CacheScope, runId: string, pipeline: string, key: string): string {
  return `dockercise-cache-run-${digest(scope.repository, `run:${runId}`, pipeline, key)}`;
}

/** Where a branch's archives live in the bucket: `cache/<pipeline>/<branch>/<key>.tar.gz`. */
export function bucketNamespace(pipeline: string, branch: string | undefined): string {
  return `${pipeline}/${encodeURIComponent(`branch:${branch ?? ''}`)}`;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24);
}
