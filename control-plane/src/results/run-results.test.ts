import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialRunResult, type RunResult } from '@dockercise/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../crypto/secret-box.js';
import { SqliteStore } from '../store/sqlite-store.js';
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
  async requestCancel(): Promise<void> {}
}

let store: SqliteStore | undefined;
afterEach(() => store?.close());

async function setUp() {
  store = new SqliteStore(
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
    (store as SqliteStore).recordRun({
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
    expect((await store.strandedRuns('2026-11-28T00:05:00.000Z')).map((r) => r.runId)).toEqual([run.runId]);
    reader.written.set(run.runId, written(run.runId, 'running'));
    await results.current(run);
    expect(await store.strandedRuns('2026-11-28T00:05:00.000Z')).toEqual([]);
  });
});
