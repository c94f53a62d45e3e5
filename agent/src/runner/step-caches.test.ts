import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../engine/fake-engine.js';
import { type CacheStore, fallbackPrefix } from '../store/cache-store.js';
import { compile, MemoryLogs, MemoryStore } from './plan.fixture.js';
import { runPlan } from './run-plan.js';
import { cacheVolumeName } from './step-caches.js';

/** A bucket of archives in memory, newest last, as S3CacheStore keeps them by pipeline and key. */
class MemoryCaches implements CacheStore {
  readonly archives = new Map<string, Buffer>();
  async open(pipeline: string, key: string) {
    const exact = this.archives.get(`${pipeline}/${key}`);
    if (exact) return { key, body: Readable.from([exact]) };
    const prefix = fallbackPrefix(key);
    const newest = [...this.archives.keys()]
      .filter((k) => prefix && k.startsWith(`${pipeline}/${prefix}`))
      .pop();
    const body = newest ? this.archives.get(newest) : undefined;
    return newest && body
      ? { key: newest.slice(pipeline.length + 1), body: Readable.from([body]) }
      : undefined;
  }
  async save(pipeline: string, key: string, body: Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    this.archives.set(`${pipeline}/${key}`, Buffer.concat(chunks));
  }
}

const PIPELINE = (key: string) => ({
  'ci.dockercise.yaml': `install:\n  img: node\n  run: npm ci\n  cache: [{ path: /root/.npm, key: "${key}" }]\n`,
});

/** An engine whose `install` step leaves a file in its cache, or fails when told to. */
function host(fail = false) {
  const seen: Array<string | undefined> = [];
  const engine: FakeEngine = new FakeEngine((c) => {
    const mount = c.spec.volumes.find((v) => v.target === '/root/.npm');
    const files = mount ? engine.volumes.get(mount.volume)?.files : undefined;
    seen.push(files?.get('lodash.tgz'));
    files?.set('lodash.tgz', 'packed');
    return { exitCode: fail ? 1 : 0 };
  });
  return { engine, seen };
}

async function run(
  engine: FakeEngine,
  caches: CacheStore,
  key: string,
  event: 'push' | 'pull_request' = 'push',
) {
  return runPlan({
    runId: `r-${Math.random().toString(16).slice(2, 8)}`,
    pipeline: 'app',
    plan: compile(PIPELINE(key)),
    engine,
    store: new MemoryStore(),
    logs: new MemoryLogs(),
    caches,
    context: { event },
  });
}

describe('caches in the bucket, on the fake engine', () => {
  it('saves a new cache after success and restores it on a fresh host', async () => {
    const bucket = new MemoryCaches();
    const first = host();
    const made = await run(first.engine, bucket, 'npm-1');
    expect(made.steps[0]?.caches).toEqual([{ path: '/root/.npm', key: 'npm-1', hit: false }]);
    expect(bucket.archives.has('app/npm-1')).toBe(true);

    const fresh = host();
    const restored = await run(fresh.engine, bucket, 'npm-1');
    expect(fresh.seen).toEqual(['packed']);
    expect(restored.steps[0]?.caches).toEqual([
      { path: '/root/.npm', key: 'npm-1', hit: true, restoredFrom: 'npm-1' },
    ]);

    // On that host the volume is there now: the next run needs no bucket.
    fresh.engine.events.length = 0;
    await run(fresh.engine, bucket, 'npm-1');
    expect(fresh.engine.events.filter((e) => e.startsWith('import'))).toEqual([]);
  });

  it("falls back to the newest archive of the key's prefix, and saves under the new key", async () => {
    const bucket = new MemoryCaches();
    await run(host().engine, bucket, 'npm-1');
    const fresh = host();
    const result = await run(fresh.engine, bucket, 'npm-2');
    expect(fresh.seen).toEqual(['packed']);
    expect(result.steps[0]?.caches).toEqual([
      { path: '/root/.npm', key: 'npm-2', hit: true, restoredFrom: 'npm-1' },
    ]);
    expect([...bucket.archives.keys()]).toEqual(['app/npm-1', 'app/npm-2']);
  });

  it('never writes a cache from a failed step or from a pull request', async () => {
    const bucket = new MemoryCaches();
    await run(host(true).engine, bucket, 'npm-1');
    await run(host().engine, bucket, 'npm-1', 'pull_request');
    expect(bucket.archives.size).toBe(0);
    // A pull request still reads what a branch build saved.
    await run(host().engine, bucket, 'npm-1');
    const pr = host();
    await run(pr.engine, bucket, 'npm-1', 'pull_request');
    expect(pr.seen).toEqual(['packed']);
  });

  it('keeps a volume per pipeline and key on the engine', () => {
    expect(cacheVolumeName('app', 'npm-1')).not.toBe(cacheVolumeName('other', 'npm-1'));
  });
});
