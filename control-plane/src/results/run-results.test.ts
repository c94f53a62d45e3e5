import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialRunResult, type RunResult, silentLogger } from '@dockercise/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostCapacity } from '../aws/host-capacity.js';
import { commitStatusOf } from '../builds/commit-status.js';
import { LOST_AFTER_MS, LOST_RUN_ERROR, StrandedRuns } from '../builds/stranded-runs.js';
import { SecretBox } from '../crypto/secret-box.js';
import { openSqliteStore } from '../store/open-store.js';
import type { SqlStore } from '../store/sql-store.js';
import type { RunRecord } from '../store/store.js';
import type { ResultReader, RunLocation } from './result-reader.js';
import { RunResults } from './run-results.js';

const plan = { version: 1 as const, steps: [], gates: [] };

/** Results as an agent would have written them, by run id; counts reads. */
class WrittenResults implements ResultReader {
  readonly written = new Map<string, RunResult>();
  reads = 0;
  async result(run: RunLocation): Promise<RunResult | undefined> {
    this.reads++;
    return structuredClone(this.written.get(run.runId));
  }
  async log(): Promise<never> {
    throw new Error('not read here');
  }
  async output(): Promise<undefined> {
    return undefined;
  }
  async artifact(): Promise<never> {
    throw new Error('not read here');
  }
  async requestCancel(): Promise<void> {}
}

let store: SqlStore | undefined;
afterEach(() => store?.close());

async function setUp() {
  store = openSqliteStore(
    join(mkdtempSync(join(tmpdir(), 'run-results-')), 'store.db'),
    new SecretBox('s'.repeat(32)),
  );
  const user = await store.upsertUser({ githubId: 1, login: 'octo', token: 't' });
  await store.createAccount({
    accountId: '123456789012',
    ownerId: user.id,
    externalId: 'x',
    region: 'us-east-1',
  });
  await store.saveRepo({
    id: 7,
    fullName: 'octo/app',
    ownerId: user.id,
    accountId: '123456789012',
    webhookSecret: 'w',
    deployPrivateKey: 'k',
  });
  const record = (runId: string): Promise<RunRecord> =>
    (store as SqlStore).recordRun({
      runId,
      repoId: 7,
      accountId: '123456789012',
      pipeline: 'octo.app',
      commit: 'c'.repeat(40),
      status: 'sent',
      plan,
      approvedGates: [],
      createdAt: '2026-11-28T00:00:00.000Z',
    });
  return { store, record };
}

function written(runId: string, status: RunResult['status']): RunResult {
  const result = initialRunResult({
    runId,
    pipeline: 'octo.app',
    plan,
    startedAt: '2026-11-28T00:00:01.000Z',
    isApproved: () => false,
  });
  return {
    ...result,
    status,
    ...(status === 'succeeded' ? { endedAt: '2026-11-28T00:00:09.000Z', durationMs: 8000 } : {}),
  };
}

describe('RunResults', () => {
  it('reads an ended run once: afterwards lists take its summary from the store', async () => {
    const { store, record } = await setUp();
    const reader = new WrittenResults();
    const results = new RunResults(store, reader);
    const run = await record('20261128T000000Z-aaaaaa');
    reader.written.set(run.runId, written(run.runId, 'succeeded'));

    expect(await results.summary(run)).toEqual({
      status: 'succeeded',
      startedAt: '2026-11-28T00:00:01.000Z',
      endedAt: '2026-11-28T00:00:09.000Z',
      durationMs: 8000,
    });
    expect(reader.reads).toBe(1);
    const [listed] = await store.listRuns('123456789012', 'octo.app', 10);
    expect((await results.summary(listed as RunRecord)).status).toBe('succeeded');
    expect(reader.reads).toBe(1);
  });

  it('reads a run still going every time, and keeps its latest state', async () => {
    const { store, record } = await setUp();
    const reader = new WrittenResults();
    const results = new RunResults(store, reader);
    const run = await record('20261128T000000Z-bbbbbb');
    reader.written.set(run.runId, written(run.runId, 'running'));
    expect((await results.summary(run)).status).toBe('running');
    reader.written.set(run.runId, written(run.runId, 'succeeded'));
    const again = (await store.getRun(run.runId)) as RunRecord;
    expect(again.summary?.status).toBe('running');
    expect((await results.summary(again)).status).toBe('succeeded');
    expect(reader.reads).toBe(2);
    expect((await store.getRun(run.runId))?.summary?.status).toBe('succeeded');
  });

  it('stands in for a run its agent has not written yet, storing nothing: its result was never seen', async () => {
    const { store, record } = await setUp();
    const reader = new WrittenResults();
    const results = new RunResults(store, reader);
    const run = await record('20261128T000000Z-cccccc');
    expect((await results.current(run)).status).toBe('pending');
    expect((await store.getRun(run.runId))?.summary).toBeUndefined();
    await store.requeueRun(run.runId);
    await store.markRunSent(run.runId, '2026-11-28T00:00:00.000Z');
    // Sent, and no result.json since: what the reconciler looks for to start a host again.
    expect(
      (await store.strandedRuns('2026-11-28T00:05:00.000Z', '2026-11-27T00:00:00.000Z')).map((r) => r.runId),
    ).toEqual([run.runId]);
    reader.written.set(run.runId, written(run.runId, 'running'));
    await results.current(run);
    expect(await store.strandedRuns('2026-11-28T00:05:00.000Z', '2026-11-27T00:00:00.000Z')).toEqual([]);
  });
});

describe('a sent run that never gets a result', () => {
  it('wakes its hosts a few times, then is lost after its job’s lifetime: a month costs no more', async () => {
    const { store, record } = await setUp();
    await store.registerAccount(
      '123456789012',
      {
        roleArn: 'arn:aws:iam::123456789012:role/r',
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
        deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/d',
        bucket: 'b',
        logGroup: 'l',
        hostGroup: 'g',
        maxHosts: 1,
        jobsPerHost: 1,
        region: 'us-east-1',
      },
      '2026-11-28T00:00:00.000Z',
    );
    const run = await record('20261128T000000Z-dddddd');
    await store.requeueRun(run.runId);
    await store.markRunSent(run.runId, '2026-11-28T00:00:00.000Z');
    let now = Date.parse('2026-11-28T00:00:00.000Z');
    const asked: number[] = [];
    const capacity = { ensure: async () => asked.push(now) } as unknown as HostCapacity;
    const stranded = new StrandedRuns(store, capacity, silentLogger, 3 * 60 * 1000, () => now);
    // A month of the reconciler's passes, once a minute.
    for (let minute = 0; minute < 30 * 24 * 60; minute++, now += 60_000) await stranded.pass();
    // Before: once an hour for ever (724 times in the month). Now: the doubling waits up to the
    // job's lifetime, then never again.
    expect(asked.length).toBeLessThanOrEqual(30);
    expect(Math.max(...asked)).toBeLessThan(Date.parse('2026-11-28T00:00:00.000Z') + LOST_AFTER_MS);
    const lost = (await store.getRun(run.runId)) as RunRecord;
    expect(lost.summary).toMatchObject({ status: 'failed', error: LOST_RUN_ERROR });
    expect(await store.activeRunCount('123456789012')).toBe(0);
    // The viewer and the commit status read it as ended, saying why.
    const result = await new RunResults(store, new WrittenResults()).current(lost);
    expect(result).toMatchObject({ status: 'failed', error: LOST_RUN_ERROR });
    expect(commitStatusOf(result)).toEqual({ state: 'failure', description: LOST_RUN_ERROR });
  });

  it('can be cancelled by a user: ended at once, the marker left for a host that takes it late', async () => {
    const { store, record } = await setUp();
    const reader = new WrittenResults();
    let cancelled = 0;
    reader.requestCancel = async () => void cancelled++;
    const results = new RunResults(store, reader);
    const run = await record('20261128T000000Z-eeeeee');
    await results.cancel(run, new Date('2026-11-28T01:00:00.000Z'));
    expect(cancelled).toBe(1);
    const ended = (await store.getRun(run.runId)) as RunRecord;
    expect((await results.current(ended)).status).toBe('cancelled');
    expect(await store.activeRunCount('123456789012')).toBe(0);
    // A run a host already runs is only asked to stop: its agent writes how it ended.
    const going = await record('20261128T000000Z-ffffff');
    reader.written.set(going.runId, written(going.runId, 'running'));
    await results.cancel(going, new Date('2026-11-28T01:00:00.000Z'));
    expect((await store.getRun(going.runId))?.summary?.status).not.toBe('cancelled');
  });
});
