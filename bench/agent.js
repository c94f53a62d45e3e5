// Benchmarks of the agent against moto: (c) log throughput and peak memory, (d) dispatch latency.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DockerEngine, FileLogSink, LocalResultStore, runPlan } from '@dockercise/agent';
import { compilePipeline, newRunId } from '@dockercise/shared';
import {
  JOB_LIFETIME_MS,
  JOB_VERSION,
  newJobNonce,
  queueArn,
  rawPublicKeyBase64,
  signJob,
} from '@dockercise/shared/node';
import Docker from 'dockerode';
import { startMoto } from './moto.js';

const IMAGE = 'dockercise-test/busybox:latest';
const BIN = new URL('../agent/bin/dockercise-agent.js', import.meta.url).pathname;
const REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'bench';
process.env.AWS_SECRET_ACCESS_KEY = 'bench';

function plan(yaml) {
  const compiled = compilePipeline([{ path: 'bench.dockercise.yaml', text: yaml }]);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  return compiled.plan;
}

async function account(endpoint) {
  const config = { region: REGION, endpoint };
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const logs = new CloudWatchLogsClient(config);
  const id = randomUUID().slice(0, 8);
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${id}` }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `jobs-${id}` }));
  await s3.send(new CreateBucketCommand({ Bucket: `results-${id}` }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: `/bench/${id}` }));
  return {
    sqs,
    s3,
    logs,
    queueUrl: queue.QueueUrl,
    dlqUrl: dlq.QueueUrl,
    bucket: `results-${id}`,
    logGroup: `/bench/${id}`,
  };
}

/** The NODE_OPTIONS the systemd unit runs the agent with, so the benchmark measures the same process. */
function unitNodeOptions() {
  const unit = readFileSync(new URL('../agent/dockercise-agent.service', import.meta.url), 'utf8');
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1] ?? '';
}

/** `dockercise-agent` as its own process, configured as the systemd unit runs it. */
function startAgent(endpoint, acct, publicKey) {
  return spawn(process.execPath, [BIN, '--config', '/dev/null'], {
    env: {
      ...process.env,
      NODE_OPTIONS: unitNodeOptions(),
      DOCKERCISE_QUEUE_URL: acct.queueUrl,
      DOCKERCISE_DEAD_LETTER_QUEUE_URL: acct.dlqUrl,
      DOCKERCISE_REGION: REGION,
      DOCKERCISE_BUCKET: acct.bucket,
      DOCKERCISE_LOG_GROUP: acct.logGroup,
      DOCKERCISE_PUBLIC_KEY: publicKey,
      DOCKERCISE_AWS_ENDPOINT: endpoint,
      DOCKERCISE_IDLE_STOP_MINUTES: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function waitForResult(acct, pipeline, runId, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const object = await acct.s3.send(
        new GetObjectCommand({ Bucket: acct.bucket, Key: `runs/${pipeline}/${runId}/result.json` }),
      );
      const result = JSON.parse(await object.Body.transformToString());
      if (['succeeded', 'failed', 'cancelled'].includes(result.status)) return result;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not end`);
}

async function countLogEvents(acct, stream) {
  let count = 0;
  let last = '';
  let ordered = true;
  let token;
  for (;;) {
    const page = await acct.logs.send(
      new GetLogEventsCommand({
        logGroupName: acct.logGroup,
        logStreamName: stream,
        startFromHead: true,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    for (const e of page.events ?? []) {
      if (e.message < last) ordered = false;
      last = e.message;
      count++;
    }
    if (!page.nextForwardToken || page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  return { count, ordered };
}

function job(keys, pipeline, planned, queueUrl) {
  const queue = queueArn(queueUrl, REGION);
  const now = Date.now();
  return JSON.stringify(
    signJob(
      {
        version: JOB_VERSION,
        runId: newRunId(),
        pipeline,
        source: { repository: 'bench/app', commit: 'b' },
        plan: planned,
        approvedGates: [],
        accountId: queue.split(':')[4],
        queue,
        nonce: newJobNonce(),
        issuedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + JOB_LIFETIME_MS).toISOString(),
      },
      keys.privateKey,
    ),
  );
}

export async function logThroughput(results, lines = 1_000_000) {
  // Lines of 100 bytes, zero-padded numbers first so that order can be checked by comparing text.
  // seq | sed writes in large blocks; a program writing line by line is slower than Docker itself.
  const width = String(lines).length;
  const pad = '.'.repeat(100 - width - 2);
  const step = `loud:\n  img: ${IMAGE}\n  run: seq -w 1 ${lines} | sed 's/$/ ${pad}/' >&2\n`;
  const megabytes = (lines * 100) / 1e6;

  // Baseline: the same step through the local runner, logs to a file.
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-bench-'));
  const localStart = performance.now();
  const local = await runPlan({
    runId: newRunId(),
    pipeline: 'bench',
    plan: plan(step),
    engine: new DockerEngine(new Docker()),
    store: new LocalResultStore(dir),
    logs: new FileLogSink(dir),
  });
  const localSeconds = (performance.now() - localStart) / 1000;
  await rm(dir, { recursive: true, force: true });
  if (local.status !== 'succeeded') throw new Error('local baseline failed');

  const moto = await startMoto();
  try {
    const keys = generateKeyPairSync('ed25519');
    const acct = await account(moto.endpoint);
    const agent = startAgent(moto.endpoint, acct, rawPublicKeyBase64(keys.publicKey));
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, peakRssMb(agent.pid));
      } catch {}
    }, 250);
    const body = job(keys, 'bench', plan(step), acct.queueUrl);
    const runId = JSON.parse(body).job.runId;
    const started = performance.now();
    await acct.sqs.send(new SendMessageCommand({ QueueUrl: acct.queueUrl, MessageBody: body }));
    const result = await waitForResult(acct, 'bench', runId, 20 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, peakRssMb(agent.pid));
    agent.kill('SIGTERM');
    const { count, ordered } = await countLogEvents(acct, `bench/${runId}/loud`);
    const s3Log = await acct.s3.send(
      new GetObjectCommand({ Bucket: acct.bucket, Key: `runs/bench/${runId}/logs/loud.log` }),
    );
    const s3Bytes = Number(s3Log.ContentLength ?? 0);
    results.push({
      name: '(c) log throughput',
      detail: `${lines.toLocaleString('en')} lines, ${megabytes} MB to CloudWatch + S3 (moto); ${count.toLocaleString('en')} events in CloudWatch${ordered ? ', in order' : ', OUT OF ORDER'}, S3 log ${(s3Bytes / 1e6).toFixed(0)} MB; run ${result.status}`,
      baseline: `local files ${(megabytes / localSeconds).toFixed(1)} MB/s`,
      measured: `agent ${(megabytes / seconds).toFixed(1)} MB/s`,
      ratio: localSeconds / seconds,
      goal: null,
    });
    results.push({
      name: '(c) agent peak RSS',
      detail: 'VmHWM of the agent process during (c)',
      baseline: 'goal 200 MB',
      measured: `${peak.toFixed(0)} MB`,
      ratio: peak / 200,
      goal: 1,
      lost: count !== lines,
    });
  } finally {
    moto.stop();
  }
}

export async function dispatchLatency(results, jobs = 20) {
  const moto = await startMoto();
  const docker = new Docker();
  try {
    const keys = generateKeyPairSync('ed25519');
    const acct = await account(moto.endpoint);
    const agent = startAgent(moto.endpoint, acct, rawPublicKeyBase64(keys.publicKey));
    const planned = plan(`hello:\n  img: ${IMAGE}\n  run: echo hi\n`);
    // Container starts, from the engine's own event stream.
    const events = await docker.getEvents({
      filters: { type: ['container'], event: ['start'], label: ['dockercise.run'] },
    });
    const starts = new Map();
    events.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const event = JSON.parse(line);
        const runId = event.Actor?.Attributes?.['dockercise.run'];
        if (runId && !starts.has(runId)) starts.set(runId, event.timeNano / 1e6);
      }
    });
    const latencies = [];
    for (let i = 0; i < jobs + 1; i++) {
      const body = job(keys, 'latency', planned, acct.queueUrl);
      const runId = JSON.parse(body).job.runId;
      const sent = Date.now();
      await acct.sqs.send(new SendMessageCommand({ QueueUrl: acct.queueUrl, MessageBody: body }));
      await waitForResult(acct, 'latency', runId, 60_000);
      // The first job also pays for the agent's start-up and first poll: not counted.
      if (i > 0) latencies.push(starts.get(runId) - sent);
    }
    events.destroy();
    agent.kill('SIGTERM');
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    results.push({
      name: '(d) dispatch latency',
      detail: `SendMessage to container start, ${jobs} jobs, p90 ${sorted[Math.floor(sorted.length * 0.9)].toFixed(0)} ms`,
      baseline: 'goal 1000 ms',
      measured: `median ${median.toFixed(0)} ms`,
      ratio: median / 1000,
      goal: 1,
    });
  } finally {
    moto.stop();
  }
}
