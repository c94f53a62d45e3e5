import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../store/store.js';
import { approversOf, jobBase } from './job-body.js';

const run: RunRecord = {
  runId: 'r1',
  repoId: 1,
  accountId: '123456789012',
  pipeline: 'app',
  commit: 'c0ffee',
  branch: 'main',
  status: 'sent',
  approvedGates: ['deploy.dockercise.yaml'],
  createdAt: '2026-12-04T22:00:00.000Z',
};
const to = { accountId: '123456789012', queue: 'arn:aws:sqs:us-east-1:123456789012:jobs' };

describe("a run's job", () => {
  it('names who approved each gate, and marks a fork even once it was let go', async () => {
    const store = {
      approvals: async () => [{ gate: 'deploy.dockercise.yaml', login: 'octocat' }],
    };
    const approvers = await approversOf(store, run);
    expect(approvers).toEqual({ 'deploy.dockercise.yaml': 'octocat' });
    expect(jobBase(run, 'me/app', new Date(), to, approvers)).toMatchObject({
      approvedGates: ['deploy.dockercise.yaml'],
      approvers: { 'deploy.dockercise.yaml': 'octocat' },
    });
    const forked = jobBase({ ...run, fork: true, approvedGates: [] }, 'me/app', new Date(), to);
    expect(forked).toMatchObject({ fork: true });
    expect('approvers' in forked).toBe(false);
    // No gate approved: the store is not asked.
    expect(await approversOf({ approvals: async () => [] }, { ...run, approvedGates: [] })).toEqual({});
    expect('fork' in jobBase(run, 'me/app', new Date(), to)).toBe(false);
  });
});
