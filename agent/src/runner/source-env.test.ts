import { describe, expect, it } from 'vitest';
import { sourceEnv } from './source-env.js';

describe('sourceEnv', () => {
  it("names a pull request's number, a tag, and leaves out what the run does not have", () => {
    expect(
      sourceEnv({
        source: { repository: 'octo/app', commit: 'c0ffee' },
        context: { event: 'pull_request', branch: 'main' },
        checkout: {
          url: 'git@github.com:octo/app.git',
          commit: 'c0ffee',
          deployKey: 'k',
          ref: 'refs/pull/42/head',
        },
      }),
    ).toEqual({
      DOCKERCISE_EVENT: 'pull_request',
      DOCKERCISE_COMMIT: 'c0ffee',
      DOCKERCISE_BRANCH: 'main',
      DOCKERCISE_REPOSITORY: 'octo/app',
      DOCKERCISE_PR: '42',
    });
    expect(
      sourceEnv({
        source: { repository: 'octo/app', commit: 'c0ffee', tag: 'v1.2.0' },
        context: { event: 'push' },
      }),
    ).toEqual({
      DOCKERCISE_EVENT: 'push',
      DOCKERCISE_COMMIT: 'c0ffee',
      DOCKERCISE_TAG: 'v1.2.0',
      DOCKERCISE_REPOSITORY: 'octo/app',
    });
    expect(sourceEnv({})).toEqual({ DOCKERCISE_EVENT: 'manual' });
  });
});
