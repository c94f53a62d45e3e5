import { generateKeyPairSync } from 'node:crypto';
import { compilePipeline, type RunResult, silentLogger } from '@dockercise/shared';
import {
  JOB_LIFETIME_MS,
  JOB_VERSION,
  type JobBody,
  LOCAL_ACCOUNT_ID,
  LOCAL_QUEUE,
  newJobNonce,
  signJob,
} from '@dockercise/shared/node';
import { describe, expect, it } from 'vitest';
import type { JobLedger } from '../backend/job-ledger.js';
import type { ResultStore } from '../backend/result-store.js';
import { MemoryJobQueue } from '../backends/local/memory-job-queue.js';
import { EngineUnavailableError } from '../engine/engine.js';
import { FakeEngine } from '../engine/fake-engine.js';
import { handleJob, type JobHandlerDeps } from './job-handler.js';

const keys = generateKeyPairSync('ed25519');
const plan = (() => {
  const compiled = compilePipeline([
    {
      path: 'ci.dockercise.yaml',
      text: 'build:\n  img: x\n  run: make\ntest:\n  img: x\n  run: cat {build}\n',
    },
  ]);
  if (!compiled.ok) throw new Error('bad plan');
  return compiled.plan;
})();

function job(overrides: Partial<JobBody> = {}): JobBody {
  const now = Date.now();
  return {
    version: JOB_VERSION,
    runId: '20261127T000000Z-abcdef',
    pipeline: 'app',
    source: { repository: 'me/app', commit: 'c0ffee' },
    plan,
    approvedGates: [],
    accountId: LOCAL_ACCOUNT_ID,
    queue: LOCAL_QUEUE,
    nonce: newJobNonce(),
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + JOB_LIFETIME_MS).toISOString(),
    ...overrides,
  };
}

/** Everything a handler needs, in memory: the queue, the engine, a bucket of results and records. */
function agent(engine = new FakeEngine(() => ({ stdout: 'ok\n' }))) {
  const queue = new MemoryJobQueue();
  const results = new Map<string, RunResult>();
  const objects = new Map<string, Uint8Array>();
  const records = new Map<string, string>();
  const ledger: JobLedger = {
    claim: async (nonce, messageId) => {
      const first = records.get(nonce);
      if (first === undefined) records.set(nonce, messageId);
      return first === undefined ? 'first' : first === messageId ? 'redelivery' : 'replay';
    },
  };
  const storeFor = (prefix: string): ResultStore => ({
    location: prefix,
    saveResult: async (r) => void results.set(prefix, structuredClone(r)),
    saveOutput: async (step, output) => void objects.set(prefix + step, output),
    loadResult: async () => results.get(prefix),
    loadOutput: async (step) => objects.get(prefix + step),
    saveArtifact: async (_step, _path, content) => void content.resume(),
  });
  const deps: JobHandlerDeps = {
    backend: {
      queue,
      identity: { accountId: LOCAL_ACCOUNT_ID, queue: LOCAL_QUEUE },
      ledger,
      results: storeFor,
      logs: () => ({ open: () => ({ write: async () => {}, close: async () => {} }) }),
      cancelRequests: { requested: async () => false },
    },
    engine,
    settings: {
      publicKey: keys.publicKey,
      visibilitySeconds: 60,
      cancelPollMs: 1000,
      stepConcurrency: 2,
      retryDelaySeconds: 0,
      holder: 'agent',
    },
    runsInProgress: new Set(),
    logger: silentLogger,
  };
  const control = { interrupt: new AbortController().signal, kill: new AbortController().signal };
  const next = async () => {
    const [received] = await queue.receive(1, 0, new AbortController().signal);
    if (!received) throw new Error('the queue is empty');
    return handleJob(deps, received, control);
  };
  return {
    queue,
    engine,
    results,
    next,
    send: (body: JobBody) => queue.send(JSON.stringify(signJob(body, keys.privateKey))),
  };
}

describe('handleJob on the fake engine', () => {
  it('runs a signed job, stores its result and acknowledges it; a finished run is not run again', async () => {
    const a = agent();
    const body = job();
    a.send(body);
    expect(await a.next()).toBe('finished');
    expect(a.queue.size).toBe(0);
    expect(a.results.get(`runs/app/${body.runId}/`)?.status).toBe('succeeded');

    // The control plane resends the run (a fresh job): it has finished, so it is only acknowledged.
    a.engine.events.length = 0;
    a.send(job({ runId: body.runId }));
    expect(await a.next()).toBe('finished');
    expect(a.engine.events.filter((e) => e.startsWith('start'))).toEqual([]);
  });

  it('re-runs an ended run as a new attempt: only what failed, or everything; the earlier attempt is kept', async () => {
    let testExit = 1;
    const engine = new FakeEngine((c) => ({
      stdout: 'ok\n',
      exitCode: c.spec.env.DOCKERCISE_STEP === 'test' ? testExit : 0,
    }));
    const a = agent(engine);
    const body = job();
    const prefix = `runs/app/${body.runId}/`;
    a.send(body);
    await a.next();
    expect(a.results.get(prefix)?.status).toBe('failed');

    testExit = 0;
    engine.events.length = 0;
    a.send(job({ runId: body.runId, rerun: { attempt: 2, scope: 'failed' } }));
    expect(await a.next()).toBe('finished');
    const second = a.results.get(prefix);
    expect(second).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(engine.events.filter((e) => e.startsWith('start'))).toEqual([
      `start dockercise-${body.runId}-test`,
    ]);
    expect(second?.previousAttempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 'failed',
        steps: [
          { name: 'build', status: 'succeeded', exitCode: 0 },
          { name: 'test', status: 'failed', exitCode: 1 },
        ],
      }),
    ]);

    // The same re-run delivered again finds its attempt ended: nothing runs.
    engine.events.length = 0;
    a.send(job({ runId: body.runId, rerun: { attempt: 2, scope: 'failed' } }));
    expect(await a.next()).toBe('finished');
    expect(engine.events).toEqual([]);

    // Re-running everything runs every step, and keeps both earlier attempts.
    a.send(job({ runId: body.runId, rerun: { attempt: 3, scope: 'all' } }));
    expect(await a.next()).toBe('finished');
    expect(engine.events.filter((e) => e.startsWith('start'))).toHaveLength(2);
    expect(a.results.get(prefix)?.previousAttempts?.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it('dead-letters a forged job and a replayed one, each with its reason', async () => {
    const a = agent();
    const forged = signJob(job(), generateKeyPairSync('ed25519').privateKey);
    a.queue.send(JSON.stringify(forged));
    expect(await a.next()).toBe('dead-lettered');
    const body = job();
    a.send(body);
    expect(await a.next()).toBe('finished');
    a.send(body);
    expect(await a.next()).toBe('dead-lettered');
    expect(a.queue.deadLetters.map((d) => d.reason.split(':')[0])).toEqual(['bad signature', 'replayed']);
  });

  it('releases the job, resumable, when the engine is unreachable', async () => {
    const engine = new FakeEngine();
    engine.removeLabelled = () => Promise.reject(new EngineUnavailableError('the engine is gone'));
    const a = agent(engine);
    a.send(job());
    expect(await a.next()).toBe('engine-down');
    expect(a.queue.size).toBe(1);
    expect(a.queue.deadLetters).toEqual([]);
  });
});
