// (h) caches: restoring a cache from the bucket on a fresh host, against the least it could cost
// (the same archive from a plain GetObject into tar), and what a local hit adds to a step.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  bucketNamespace,
  cacheVolumeName,
  DockerEngine,
  FileLogSink,
  LocalResultStore,
  prepareCaches,
  runPlan,
  S3CacheStore,
  saveCaches,
} from '@dockercise/agent';
import { cacheObjectKey, compilePipeline, newRunId } from '@dockercise/shared';
import Docker from 'dockerode';
import { startMoto } from './moto.js';
import { median } from './stats.js';

const IMAGE = 'dockercise-test/busybox:latest';
const docker = new Docker();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function plan(yaml) {
  const compiled = compilePipeline([{ path: 'bench.dockercise.yaml', text: yaml }]);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  return compiled.plan;
}

/** A volume holding `mb` MB of incompressible files, as a dependency cache would. */
async function fillVolume(volume, mb) {
  await docker.createVolume({ Name: volume });
  const container = await docker.createContainer({
    Image: IMAGE,
    Cmd: [
      '/bin/sh',
      '-c',
      `for i in $(seq 1 ${mb}); do dd if=/dev/urandom of=/data/f$i bs=1M count=1 2>/dev/null; done`,
    ],
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  await container.start();
  await container.wait();
  await container.remove();
}

async function restoreFromBucket(results, mb = 200, rounds = 3) {
  const moto = await startMoto();
  try {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const bucket = 'bench-cache';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3CacheStore(s3, bucket, 4 * 1024 ** 3);
    const engine = new DockerEngine(docker);
    const pipeline = 'bench';
    const space = { pipeline, runId: 'bench', scope: { repository: pipeline, trusted: true } };
    const key = 'deps-1';
    const step = plan(`deps:\n  img: ${IMAGE}\n  run: "true"\n  cache: [{ path: /deps, key: ${key} }]\n`)
      .steps[0];
    const volume = cacheVolumeName(space, key);
    await fillVolume(volume, mb);
    const remote = { store, log: quiet };
    await saveCaches(
      engine,
      space,
      IMAGE,
      [{ path: '/deps', key, hit: false, volume, toSave: true, throwaway: false }],
      remote,
    );

    const ours = [];
    const plain = [];
    for (let r = 0; r < rounds; r++) {
      await engine.removeVolume(volume);
      let started = performance.now();
      const [restored] = await prepareCaches(engine, space, step, () => '', remote);
      ours.push(performance.now() - started);
      if (!restored?.hit) throw new Error('the cache was not restored');

      const dir = await mkdtemp(join(tmpdir(), 'bench-tar-'));
      started = performance.now();
      const object = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: cacheObjectKey(bucketNamespace(pipeline, undefined), key),
        }),
      );
      await new Promise((resolve, reject) => {
        const tar = spawn('tar', ['-xzf', '-', '-C', dir], { stdio: ['pipe', 'ignore', 'inherit'] });
        tar.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`))));
        object.Body.pipe(tar.stdin);
      });
      plain.push(performance.now() - started);
      await rm(dir, { recursive: true, force: true });
    }
    await engine.removeVolume(volume);
    results.push({
      name: '(h) cache restore',
      detail: `${mb} MB from moto's S3 into a fresh volume, median of ${rounds}`,
      baseline: `GetObject | tar ${(median(plain) / 1000).toFixed(2)} s`,
      measured: `dockercise ${(median(ours) / 1000).toFixed(2)} s`,
      ratio: median(ours) / median(plain),
      goal: 1.2,
    });
  } finally {
    moto.stop();
  }
}

async function runSteps(yaml) {
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-bench-'));
  const started = performance.now();
  const result = await runPlan({
    runId: newRunId(),
    pipeline: 'bench-hit',
    plan: plan(yaml),
    engine: new DockerEngine(docker),
    store: new LocalResultStore(dir),
    logs: new FileLogSink(dir),
    concurrency: 1,
  });
  await rm(dir, { recursive: true, force: true });
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}`);
  return performance.now() - started;
}

/** The seconds a local cache hit adds to a step: the volume lookup and mount. */
async function localHitCost(results, n = 10, rounds = 3) {
  const chain = (cache) =>
    Array.from(
      { length: n },
      (_, i) =>
        `s${i}:\n  img: ${IMAGE}\n  run: "true"\n${cache ? '  cache: [{ path: /deps, key: hit }]\n' : ''}${i > 0 ? `  after: s${i - 1}\n` : ''}`,
    ).join('');
  await runSteps(chain(true)); // makes the volume: every later run hits
  const without = [];
  const withHit = [];
  for (let r = 0; r < rounds; r++) {
    without.push(await runSteps(chain(false)));
    withHit.push(await runSteps(chain(true)));
  }
  const added = (median(withHit) - median(without)) / n / 1000;
  const hitSpace = { pipeline: 'bench-hit', scope: { repository: 'bench-hit', trusted: true } };
  execFileSync('docker', ['volume', 'rm', '-f', cacheVolumeName(hitSpace, 'hit')], { stdio: 'ignore' });
  results.push({
    name: '(h2) cache hit, s/step',
    detail: `${n} sequential steps with a hit against none, median of ${rounds}`,
    baseline: `no cache ${(median(without) / n).toFixed(0)} ms/step`,
    measured: `hit ${(median(withHit) / n).toFixed(0)} ms/step`,
    ratio: Math.max(0, added),
    goal: 0.1,
  });
}

export async function cacheBenchmarks(results) {
  await restoreFromBucket(results);
  await localHitCost(results);
}
