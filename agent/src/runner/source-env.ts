import type { RunOptions } from './run-options.js';

/**
 * What the run is of, as every step sees it, the same under `dockercise run`, the local server and a
 * hosted run: the commit, the branch or tag, the event, the repository (its full name hosted, its
 * origin or path locally), and a pull request's number. A variable the run has no value for is
 * not set.
 */
export function sourceEnv(
  options: Pick<RunOptions, 'source' | 'context' | 'cacheScope' | 'checkout'>,
): Record<string, string> {
  const { source, context, cacheScope } = options;
  const repository = source?.repository ?? cacheScope?.repository;
  const branch = source?.branch ?? context?.branch;
  // A pull request's head is fetched by the ref GitHub keeps for it, which holds its number.
  const pr = /^refs\/pull\/(\d+)\/head$/.exec(options.checkout?.ref ?? '')?.[1];
  return {
    DOCKERCISE_EVENT: context?.event ?? 'manual',
    ...(source?.commit ? { DOCKERCISE_COMMIT: source.commit } : {}),
    ...(branch ? { DOCKERCISE_BRANCH: branch } : {}),
    ...(source?.tag ? { DOCKERCISE_TAG: source.tag } : {}),
    ...(repository ? { DOCKERCISE_REPOSITORY: repository } : {}),
    ...(pr ? { DOCKERCISE_PR: pr } : {}),
  };
}
