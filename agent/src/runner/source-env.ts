import type { RunOptions } from './run-options.js';

/**
 * What the run is of, as every step sees it, the same under `dockercise run`, the local server and a
 * hosted run: the commit, the branch, the event, and the repository (its full name hosted, its
 * origin or path locally). A variable the run has no value for is not set.
 */
export function sourceEnv(
  options: Pick<RunOptions, 'source' | 'context' | 'cacheScope'>,
): Record<string, string> {
  const { source, context, cacheScope } = options;
  const repository = source?.repository ?? cacheScope?.repository;
  const branch = source?.branch ?? context?.branch;
  return {
    DOCKERCISE_EVENT: context?.event ?? 'manual',
    ...(source?.commit ? { DOCKERCISE_COMMIT: source.commit } : {}),
    ...(branch ? { DOCKERCISE_BRANCH: branch } : {}),
    ...(repository ? { DOCKERCISE_REPOSITORY: repository } : {}),
  };
}
