import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CacheStore, fallbackPrefix } from '../backend/cache-store.js';
import { FakeEngine } from '../engine/fake-engine.js';
import { compile, MemoryLogs, MemoryStore } from './plan.fixture.js';
import { runPlan } from './run-plan.js';
import { cacheVolumeName } from './step-caches.js';

/** A bucket of archives in memory, newest last, as S3CacheStore keeps them by pipeline and key. */
class MemoryCaches implements CacheStore {
  readonly maxBytes = 1024 * 1024;
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

/** An engine whose `install` step leaves a file in its cache (`packed`, or what it is told), or fails. */
function host(fail = false, engine?: FakeEngine) {
  const seen: Array<string | undefined> = [];
  const state = { write: 'packed' };
  const fake: FakeEngine =
    engine ??
    new FakeEngine((c) => {
      const mount = c.spec.volumes.find((v) => v.target === '/root/.npm');
      const files = mount ? fake.volumes.get(mount.volume)?.files : undefined;
      seen.push(files?.get('lodash.tgz'));
      files?.set('lodash.tgz', state.write);
      return { exitCode: fail ? 1 : 0 };
    });
  return { engine: fake, seen, state };
}

async function run(
  engine: FakeEngine,
  caches: CacheStore | undefined,
  key: string,
  event: 'push' | 'pull_request' = 'push',
  more: { branch?: string; repository?: string; defaultBranch?: string } = {},
) {
  return runPlan({
    runId: `r-${Math.random().toString(16).slice(2, 8)}`,
    pipeline: 'app',
    plan: compile(PIPELINE(key)),
    engine,
    store: new MemoryStore(),
    logs: new MemoryLogs(),
    ...(caches ? { caches } : {}),
    context: { event, branch: more.branch ?? 'main' },
    cacheScope: {
      repository: more.repository ?? 'github.com/octo/app',
      defaultBranch: more.defaultBranch ?? 'main',
    },
  });
}

/** The bucket's name for a branch's archive of a key. */
const archive = (branch: string, key: string) => `app/${encodeURIComponent(`branch:${branch}`)}/${key}`;

describe('caches in the bucket, on the fake engine', () => {
  it('saves a new cache after success and restores it on a fresh host', async () => {
    const bucket = new MemoryCaches();
    const first = host();
    const made = await run(first.engine, bucket, 'npm-1');
    expect(made.steps[0]?.caches).toEqual([{ path: '/root/.npm', key: 'npm-1', hit: false }]);
    expect(bucket.archives.has(archive('main', 'npm-1'))).toBe(true);

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
    expect([...bucket.archives.keys()]).toEqual([archive('main', 'npm-1'), archive('main', 'npm-2')]);
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

  it('keeps a volume per repository, branch, pipeline and key on the engine', () => {
    const name = (pipeline: string, repository: string, branch: string) =>
      cacheVolumeName({ pipeline, scope: { repository, branch, trusted: true } }, 'npm-1');
    const base = name('app', 'github.com/octo/app', 'main');
    expect(name('other', 'github.com/octo/app', 'main')).not.toBe(base);
    expect(name('app', 'github.com/evil/app', 'main')).not.toBe(base);
    expect(name('app', 'github.com/octo/app', 'feature')).not.toBe(base);
  });
});

describe('caches by trust and by branch, on the fake engine', () => {
  it("never lets a pull request's run change what the next push build mounts", async () => {
    const { engine, seen, state } = host();
    await run(engine, undefined, 'npm-1');
    const kept = [...engine.volumes.keys()];
    // The pull request sees the branch's cache (a copy), and tampers with it.
    state.write = 'tampered';
    const pr = await run(engine, undefined, 'npm-1', 'pull_request', { branch: 'main' });
    expect(pr.steps[0]?.caches).toEqual([
      { path: '/root/.npm', key: 'npm-1', hit: true, restoredFrom: 'npm-1' },
    ]);
    // Its copy is gone; the branch's volume is as the push build left it.
    expect([...engine.volumes.keys()]).toEqual(kept);
    state.write = 'packed';
    await run(engine, undefined, 'npm-1');
    expect(seen).toEqual([undefined, 'packed', 'packed']);
  });

  it('gives a branch its own caches, read after its own from the default branch, never written to it', async () => {
    const { engine, seen, state } = host();
    await run(engine, undefined, 'npm-1', 'push', { branch: 'main' });
    state.write = 'feature-made';
    // A feature branch starts from main's (copied), and writes only its own.
    await run(engine, undefined, 'npm-1', 'push', { branch: 'feature' });
    state.write = 'packed';
    await run(engine, undefined, 'npm-1', 'push', { branch: 'main' });
    await run(engine, undefined, 'npm-1', 'push', { branch: 'feature' });
    expect(seen).toEqual([undefined, 'packed', 'packed', 'feature-made']);
  });

  it('shares nothing between two repositories whose pipelines have the same name', async () => {
    const { engine, seen } = host();
    await run(engine, undefined, 'npm-1', 'push', { repository: '/home/a/app' });
    await run(engine, undefined, 'npm-1', 'push', { repository: '/home/b/app' });
    expect(seen).toEqual([undefined, undefined]);
  });

  it('keeps the bucket by branch: a branch saves only under its own, reads its own then main', async () => {
    const bucket = new MemoryCaches();
    await run(host().engine, bucket, 'npm-1', 'push', { branch: 'main' });
    const feature = host();
    feature.state.write = 'feature-made';
    await run(feature.engine, bucket, 'npm-1', 'push', { branch: 'feature' });
    expect([...bucket.archives.keys()]).toEqual([archive('main', 'npm-1'), archive('feature', 'npm-1')]);
    // main on a fresh host gets main's, never the feature branch's.
    const fresh = host();
    await run(fresh.engine, bucket, 'npm-1', 'push', { branch: 'main' });
    expect(fresh.seen).toEqual(['packed']);
    // A pull request reads and writes nothing back, on a fresh host too.
    const pr = host();
    pr.state.write = 'tampered';
    await run(pr.engine, bucket, 'npm-1', 'pull_request', { branch: 'feature' });
    expect(pr.seen).toEqual(['feature-made']);
    expect(bucket.archives.size).toBe(2);
    expect([...pr.engine.volumes.keys()]).toEqual([]);
  });
});
