#!/usr/bin/env node
// dockercise benchmarks. Each figure is a ratio against a baseline measured in the same run, on the
// same engine, so machines of different speed give comparable numbers. Run: npm run bench
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DockerEngine,
  FileLogSink,
  LocalResultStore,
  runPlan,
  toDockerCreateOptions,
} from '@dockercise/agent';
import { compilePipeline, newRunId } from '@dockercise/shared';
import Docker from 'dockerode';
import { dispatchLatency, logThroughput } from './agent.js';
import { buildBenchmarks } from './build.js';
import { cacheBenchmarks } from './cache.js';
import { checkoutBenchmarks } from './checkout.js';
import { median } from './stats.js';
import { statusLatency } from './status.js';
import { viewerRender } from './ui.js';
import { versusBenchmarks } from './versus.js';
import { webhookThroughput } from './webhooks.js';

const IMAGE = 'dockercise-test/busybox:latest';
const docker = new Docker();
const results = [];

async function ensureImage() {
  const present = await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present)
    execFileSync('bash', [new URL('../scripts/build-busybox-image.sh', import.meta.url).pathname, IMAGE], {
      stdio: 'inherit',
    });
}

function plan(yaml) {
  const compiled = compilePipeline([{ path: 'bench.dockercise.yaml', text: yaml }]);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  return compiled.plan;
}

async function runWithDockercise(yaml, concurrency) {
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-bench-'));
  const started = performance.now();
  const result = await runPlan({
    runId: newRunId(),
    pipeline: 'bench',
    plan: plan(yaml),
    engine: new DockerEngine(docker),
    store: new LocalResultStore(dir),
    logs: new FileLogSink(dir),
    concurrency,
  });
  const ms = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}`);
  return ms;
}

/**
 * The least a runner can do per step: create, attach, start, wait, remove — with the isolation
 * dockercise gives every step (its run's own network, capabilities dropped, limits), so the ratio
 * measures dockercise, not the isolation. (A user-defined network alone costs the engine about
 * 55 ms a container on this machine.)
 */
async function bareContainer(command, network) {
  const isolated = toDockerCreateOptions({
    name: `bench-${Math.random().toString(36).slice(2)}`,
    image: IMAGE,
    command: ['/bin/sh', '-c', command],
    env: {},
    workdir: '/',
    labels: {},
    volumes: [],
    files: [],
    network,
    limits: { memoryBytes: 1024 ** 3, cpus: 1, pids: 4096 },
  });
  const container = await docker.createContainer({
    ...isolated,
    Image: IMAGE,
    Cmd: ['/bin/sh', '-c', command],
  });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const ended = new Promise((resolve) => {
    stream.on('end', resolve);
    stream.resume();
  });
  await container.start();
  await container.wait();
  await ended;
  await container.remove({ force: true });
}

/** `n` bare containers, `concurrency` at a time. */
async function bareDockerode(n, command = 'true', concurrency = 1) {
  const started = performance.now();
  const network = `bench-${Math.random().toString(36).slice(2)}`;
  await docker.createNetwork({ Name: network, Driver: 'bridge' });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await bareContainer(command, network);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await docker.getNetwork(network).remove();
  return performance.now() - started;
}

async function perStepOverhead(n = 20, rounds = 3) {
  const yaml = Array.from(
    { length: n },
    (_, i) => `s${i}:\n  img: ${IMAGE}\n  run: "true"\n${i > 0 ? `  after: s${i - 1}\n` : ''}`,
  ).join('');
  await bareDockerode(2);
  await runWithDockercise(yaml.split('s2:')[0], 1);
  const bare = [];
  const ours = [];
  for (let r = 0; r < rounds; r++) {
    bare.push(await bareDockerode(n));
    ours.push(await runWithDockercise(yaml, 1));
  }
  const ratio = median(ours) / median(bare);
  results.push({
    name: '(a) per-step overhead',
    detail: `${n} sequential trivial steps, median of ${rounds}`,
    baseline: `bare dockerode ${(median(bare) / n).toFixed(0)} ms/step`,
    measured: `dockercise ${(median(ours) / n).toFixed(0)} ms/step`,
    ratio,
    goal: 1.15,
  });
}

async function parallelEfficiency(steps = 16, concurrency = 8, seconds = 1) {
  const yaml = Array.from(
    { length: steps },
    (_, i) => `p${i}:\n  img: ${IMAGE}\n  run: sleep ${seconds}\n`,
  ).join('');
  const criticalPath = Math.ceil(steps / concurrency) * seconds * 1000;
  const walls = [];
  const bares = [];
  for (let r = 0; r < 2; r++) {
    walls.push(await runWithDockercise(yaml, concurrency));
    bares.push(await bareDockerode(steps, `sleep ${seconds}`, concurrency));
  }
  const wall = median(walls);
  const bare = median(bares);
  const detail = `${steps} × sleep ${seconds} at concurrency ${concurrency}`;
  results.push({
    name: '(b) parallel efficiency',
    detail,
    baseline: `critical path ${criticalPath} ms`,
    measured: `wall ${wall.toFixed(0)} ms`,
    ratio: wall / criticalPath,
    goal: 1.3,
  });
  // The engine's own limit: the same containers, as many at once, with nothing but dockerode.
  results.push({
    name: '(b2) parallel vs engine',
    detail,
    baseline: `bare dockerode ${bare.toFixed(0)} ms`,
    measured: `wall ${wall.toFixed(0)} ms`,
    ratio: wall / bare,
    goal: 1.15,
  });
}

await docker.ping().catch(() => {
  console.error('the benchmarks need a running Docker engine');
  process.exit(1);
});
await ensureImage();
const only = process.argv[2];
if (!only || only === 'overhead') await perStepOverhead();
if (!only || only === 'parallel') await parallelEfficiency();
if (!only || only === 'logs') await logThroughput(results);
if (!only || only === 'dispatch') await dispatchLatency(results);
if (!only || only === 'webhooks') await webhookThroughput(results);
if (!only || only === 'ui') await viewerRender(results);
if (!only || only === 'cache') await cacheBenchmarks(results);
if (!only || only === 'status') await statusLatency(results);
if (!only || only === 'versus') await versusBenchmarks(results, IMAGE);
if (!only || only === 'checkout') await checkoutBenchmarks(results);
if (!only || only === 'build') await buildBenchmarks(results);

console.log('\nbenchmark                  ratio  goal   baseline                        measured');
for (const r of results) {
  const verdict = r.lost ? 'LINES LOST' : r.goal === null ? 'info' : r.ratio <= r.goal ? 'ok' : 'MISSED';
  const goal = r.goal === null ? '  —  ' : `≤${r.goal.toFixed(2)}`;
  console.log(
    `${r.name.padEnd(26)} ${r.ratio.toFixed(2).padStart(5)}  ${goal} ${r.baseline.padEnd(31)} ${r.measured}  (${r.detail}) ${verdict}`,
  );
}
console.log(
  `\n${JSON.stringify({ benchmarks: results.map((r) => ({ name: r.name, ratio: Number(r.ratio.toFixed(3)), goal: r.goal })) })}`,
);
