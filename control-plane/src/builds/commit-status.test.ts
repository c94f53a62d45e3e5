import { initialRunResult, type RunResult } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { commitStatusOf } from './commit-status.js';

function result(
  status: RunResult['status'],
  steps: Array<Partial<RunResult['steps'][number]> & { name: string }>,
): RunResult {
  const base = initialRunResult({
    runId: 'r',
    pipeline: 'p',
    plan: undefined,
    startedAt: '2026-11-28T00:00:00.000Z',
    isApproved: () => false,
  });
  return {
    ...base,
    status,
    steps: steps.map((s) => ({ status: 'succeeded', image: 'x', log: 'l', secret: false, ...s })),
  };
}

describe('commitStatusOf', () => {
  it('says which steps failed, of how many', () => {
    const failed = result('failed', [
      { name: 'build' },
      { name: 'test', status: 'failed' },
      { name: 'lint', status: 'timed-out' },
      { name: 'docs', status: 'failed', allowedFailure: true },
      { name: 'ship', status: 'skipped' },
    ]);
    expect(commitStatusOf(failed)).toEqual({
      state: 'failure',
      description: '2 of 5 steps failed: test, lint',
    });
  });

  it('names the tests that failed, where a failed step has JUnit reports', () => {
    const failures = ['test_login', 'test_logout', 'test_token', 'test_sso'].map((name) => ({
      suite: 'auth',
      name,
    }));
    const failed = result('failed', [
      { name: 'build' },
      { name: 'test', status: 'failed', tests: { passed: 40, failed: 4, skipped: 1, failures } },
    ]);
    expect(commitStatusOf(failed)).toEqual({
      state: 'failure',
      description: '1 of 2 steps failed: test; 4 tests failed: test_login, test_logout, test_token, …',
    });
  });

  it('counts what passed, and says what was skipped or allowed to fail', () => {
    expect(commitStatusOf(result('succeeded', [{ name: 'a' }]))).toEqual({
      state: 'success',
      description: '1 step passed',
    });
    const mixed = result('succeeded', [
      { name: 'a' },
      { name: 'b', status: 'skipped' },
      { name: 'c', status: 'failed', allowedFailure: true },
    ]);
    expect(commitStatusOf(mixed).description).toBe('1 step passed, 1 skipped, 1 allowed to fail');
  });

  it('stays pending while queued, running or waiting for a person', () => {
    expect(commitStatusOf(result('pending', []))).toEqual({
      state: 'pending',
      description: 'queued: waiting for an agent',
    });
    const running = result('running', [
      { name: 'a', endedAt: '2026-11-28T00:00:01.000Z' },
      { name: 'b', status: 'running' },
    ]);
    expect(commitStatusOf(running).description).toBe('running: 1 of 2 steps done');
    const waiting = {
      ...result('waiting-approval', []),
      gates: [{ name: 'deploy.dockercise.yaml', status: 'waiting' as const }],
    };
    expect(commitStatusOf(waiting)).toEqual({
      state: 'pending',
      description: 'waiting for approval: deploy',
    });
  });

  it('reports an invalid pipeline as an error with its first problem, and a cancel as an error', () => {
    expect(
      commitStatusOf(result('failed', []), ['ci.dockercise.yaml:2:3: unknown field "imgg"\n  hint: …']),
    ).toEqual({
      state: 'error',
      description: 'invalid pipeline: ci.dockercise.yaml:2:3: unknown field "imgg"',
    });
    expect(commitStatusOf(result('cancelled', []))).toEqual({ state: 'error', description: 'cancelled' });
  });
});
