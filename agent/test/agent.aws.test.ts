import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runPrefix } from '@dockercise/shared';
import { signJob } from '@dockercise/shared/node';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/engine/docker-engine.js';
import {
  type Account,
  controlPlaneKeys,
  deadLetters,
  deleteObject,
  endpoint,
  eventually,
  inProcessAgent,
  jobBody,
  logEvents,
  newAccount,
  publicKeyBase64,
  putObject,
  queueCounts,
  REGION,
  readObject,
  readResult,
  resultWhen,
  sendJob,
  sendRaw,
} from './aws-harness.js';
import { DockerSocketProxy } from './docker-proxy.js';
import { compile, IMG, leftovers } from './harness.js';

const BIN = fileURLToPath(new URL('../bin/dockercise-agent.js', import.meta.url));
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** Starts an in-process agent and remembers to stop it. */
function startAgent(account: Account, options: Parameters<typeof inProcessAgent>[1] = {}) {
  const agent = inProcessAgent(account, options);
  const done = agent.run();
  const handle = {
    agent,
    done,
    stop: async () => {
      agent.shutdown();
      agent.shutdown();
      await done.catch(() => {});
    },
  };
  running.push(handle);
  return handle;
}

/** `dockercise agent` as its own process, configured through the environment as systemd would. */
function spawnAgent(account: Account, extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, '--config', '/dev/null'], {
    env: {
      ...process.env,
      DOCKERCISE_QUEUE_URL: account.queueUrl,
      DOCKERCISE_DEAD_LETTER_QUEUE_URL: account.deadLetterQueueUrl,
      DOCKERCISE_REGION: REGION,
      DOCKERCISE_BUCKET: account.bucket,
      DOCKERCISE_LOG_GROUP: account.logGroup,
      DOCKERCISE_PUBLIC_KEY: publicKeyBase64,
      DOCKERCISE_AWS_ENDPOINT: endpoint(),
      DOCKERCISE_IDLE_STOP_MINUTES: '0',
      DOCKERCISE_CANCEL_POLL: '1',
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.push({
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    },
  });
  return child;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));

describe('the agent against a local AWS endpoint (moto) and the real Docker engine', () => {
  it('runs a job: result.json, outputs and logs in S3; every log line in CloudWatch, in order', async () => {
    const account = await newAccount();
    const body = jobBody(
      account,
      compile({
        'a.dockercise.yaml': `greet:\n  img: ${IMG}\n  run: echo hello; echo warn >&2\ncount:\n  img: ${IMG}\n  run: seq 1 500; cat {greet}\n`,
      }),
    );
    startAgent(account);
    await sendJob(account, body);
    const result = await resultWhen(
      account,
      body,
      (r) => r.status === 'succeeded',
      'the run to succeed',
      60_000,
    );
    expect(result.source).toEqual({ repository: 'me/app', commit: 'c0ffee' });
    const prefix = runPrefix('app', body.runId);
    expect(await readObject(account, `${prefix}outputs/greet`)).toBe('hello\n');
    const s3Log = (await readObject(account, `${prefix}logs/count.log`)) ?? '';
    expect(s3Log.split('\n').filter(Boolean)).toHaveLength(501);
    const counted = await logEvents(account, `app/${body.runId}/count`);
    expect(counted).toEqual([...Array.from({ length: 500 }, (_, i) => String(i + 1)), 'hello']);
    // stdout and stderr are separate pipes: their lines are in order within each, not across the two.
    expect((await logEvents(account, `app/${body.runId}/greet`)).sort()).toEqual(['hello', 'warn']);
    // The message is deleted only once the results are stored.
    await eventually(
      async () => (await queueCounts(account, account.queueUrl)).inFlight === 0,
      10_000,
      'the message to be deleted',
    );
    expect(await queueCounts(account, account.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('reports its host to the bucket: idle, busy with the run, idle again, and stopped when it stops', async () => {
    const account = await newAccount();
    const body = jobBody(account, compile({ 'a.dockercise.yaml': `slow:\n  img: ${IMG}\n  run: sleep 2\n` }));
    const key = 'hosts/i-0123456789abcdef0.json';
    const report = async () => {
      const text = await readObject(account, key);
      return text ? (JSON.parse(text) as { state: string; runs: string[]; since: string }) : undefined;
    };
    const agent = startAgent(account, { instanceId: 'i-0123456789abcdef0' });
    await eventually(async () => (await report())?.state === 'idle', 10_000, 'an idle report');
    await sendJob(account, body);
    const busy = await eventually(
      async () => ((await report())?.state === 'busy' ? report() : undefined),
      20_000,
      'a busy report',
    );
    expect(busy?.runs).toEqual([body.runId]);
    await resultWhen(account, body, (r) => r.status === 'succeeded', 'the run');
    const idle = await eventually(
      async () => ((await report())?.state === 'idle' ? report() : undefined),
      10_000,
      'idle again',
    );
    expect(Date.parse(idle?.since ?? '')).toBeGreaterThan(Date.parse(busy?.since ?? ''));
    await agent.stop();
    expect(await report()).toMatchObject({ state: 'stopped', runs: [] });
  });

  it('dead-letters malformed, wrong-version and badly signed messages with their reasons, and keeps serving', async () => {
    const account = await newAccount();
    const plan = compile({ 'a.dockercise.yaml': `ok:\n  img: ${IMG}\n  run: echo fine\n` });
    const good = jobBody(account, plan);
    const forged = signJob(jobBody(account, plan), controlPlaneKeys.privateKey);
    startAgent(account);
    await sendRaw(account, 'this is not json');
    await sendRaw(
      account,
      JSON.stringify({
        ...signJob(jobBody(account, plan), controlPlaneKeys.privateKey),
        job: { ...jobBody(account, plan), version: 7 },
      }),
    );
    await sendRaw(account, JSON.stringify({ job: jobBody(account, plan) }));
    await sendRaw(account, JSON.stringify({ ...forged, job: { ...forged.job, pipeline: 'tampered' } }));
    await sendJob(account, good);
    await resultWhen(account, good, (r) => r.status === 'succeeded', 'the good job', 60_000);
    const letters = await eventually(
      async () => {
        const seen = await deadLetters(account);
        return seen.length >= 4 ? seen : undefined;
      },
      20_000,
      'four dead letters',
    );
    expect(letters.map((l) => l.reason).sort()).toEqual([
      'bad signature: the job was not signed by this control plane',
      'job version 7 is not supported (this agent reads version 2)',
      'not JSON',
      'the job is not signed',
    ]);
    expect(letters.find((l) => l.reason === 'not JSON')?.body).toBe('this is not json');
    expect(await queueCounts(account, account.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('refuses a signed job for another account or queue, an expired one, and a replay', async () => {
    const account = await newAccount();
    const plan = compile({ 'a.dockercise.yaml': `ok:\n  img: ${IMG}\n  run: echo fine\n` });
    const good = jobBody(account, plan);
    const day = 24 * 60 * 60 * 1000;
    startAgent(account);
    await sendJob(account, jobBody(account, plan, { accountId: '210987654321' }));
    await sendJob(account, jobBody(account, plan, { queue: `${good.queue}-elsewhere` }));
    await sendJob(
      account,
      jobBody(account, plan, {
        issuedAt: new Date(Date.now() - 2 * day).toISOString(),
        expiresAt: new Date(Date.now() - day).toISOString(),
      }),
    );
    await sendJob(account, good);
    await resultWhen(account, good, (r) => r.status === 'succeeded', 'the good job', 60_000);
    // The same signed job in a new message, as anyone allowed to send to the queue could: refused,
    // even once its results are gone (their lifecycle may be one day).
    await deleteObject(account, `${runPrefix(good.pipeline, good.runId)}result.json`);
    await sendJob(account, good);
    // Reading a dead letter hides it for a while: gather them across reads.
    const seen: Array<{ reason: string }> = [];
    const letters = await eventually(
      async () => {
        seen.push(...(await deadLetters(account)));
        return seen.length >= 4 ? seen : undefined;
      },
      20_000,
      'four dead letters',
    );
    expect(letters.map((l) => l.reason.split(':')[0]).sort()).toEqual([
      'expired',
      'replayed',
      'wrong-account',
      'wrong-queue',
    ]);
    expect(await readResult(account, good)).toBeUndefined();
  });

  it('reads a plan too large for a message from S3, and refuses one whose digest does not match', async () => {
    const account = await newAccount();
    const plan = compile({ 'a.dockercise.yaml': `big:\n  img: ${IMG}\n  run: echo from-s3\n` });
    const text = JSON.stringify(plan);
    const { sha256Hex } = await import('@dockercise/shared/node');
    await putObject(account, 'plans/one.json', text);
    const pointed = jobBody(account, plan, {
      plan: undefined,
      planPointer: { bucket: account.bucket, key: 'plans/one.json', sha256: sha256Hex(text) },
    });
    delete (pointed as { plan?: unknown }).plan;
    const swapped = jobBody(account, plan, {
      planPointer: { bucket: account.bucket, key: 'plans/one.json', sha256: sha256Hex('other') },
    });
    delete (swapped as { plan?: unknown }).plan;
    startAgent(account);
    await sendJob(account, pointed);
    await sendJob(account, swapped);
    await resultWhen(account, pointed, (r) => r.status === 'succeeded', 'the pointed plan to run', 60_000);
    const letters = await eventually(
      async () => {
        const seen = await deadLetters(account);
        return seen.length > 0 ? seen : undefined;
      },
      20_000,
      'a dead letter',
    );
    expect(letters.map((l) => l.reason)).toEqual(['the plan object does not match the signed digest']);
  });

  it('cancels a run within 10 seconds of the cancel marker', async () => {
    const account = await newAccount();
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `long:\n  img: ${IMG}\n  run: echo started; sleep 120\n` }),
    );
    startAgent(account);
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.steps[0]?.status === 'running', 'the step to run', 30_000);
    const asked = Date.now();
    await putObject(account, `${runPrefix('app', body.runId)}cancel`, '');
    const result = await resultWhen(
      account,
      body,
      (r) => r.status === 'cancelled',
      'the run to be cancelled',
      20_000,
    );
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(result.steps[0]?.status).toBe('cancelled');
    expect(await leftovers(body.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('survives SIGKILL mid-run: a new agent takes the job after the visibility timeout and skips what succeeded', async () => {
    const account = await newAccount(5);
    const body = jobBody(
      account,
      compile({
        'a.dockercise.yaml': [
          `first:\n  img: ${IMG}\n  run: cat /proc/sys/kernel/random/uuid\n`,
          // The first delivery hangs here until the agent is killed; the next one goes through.
          `second:\n  img: ${IMG}\n  run: echo "attempt $DOCKERCISE_ATTEMPT got $(cat {first})"; [ "$DOCKERCISE_ATTEMPT" != 1 ] || sleep 300\n`,
          `deploy:\n  img: ${IMG}\n  run: echo deploying\n  done: test "$DOCKERCISE_ATTEMPT" != 1 || sleep 300\n`,
        ].join(''),
      }),
    );
    // The killed agent's lease is 30 s; the queue's own visibility timeout is 5 s.
    const killed = spawnAgent(account, { DOCKERCISE_VISIBILITY_TIMEOUT: '30' });
    await sendJob(account, body);
    const before = await resultWhen(
      account,
      body,
      (r) => r.steps[1]?.status === 'running' && r.steps[2]?.phase === 'done',
      'second to run and deploy to reach done',
      60_000,
    );
    // CloudWatch lines leave the agent within a second; a crash loses at most that last second.
    await eventually(
      async () => (await logEvents(account, `app/${body.runId}/second`)).length > 0,
      10_000,
      'the first line',
    );
    killed.kill('SIGKILL');
    await exited(killed);
    const prefix = runPrefix('app', body.runId);
    const firstOutput = await readObject(account, `${prefix}outputs/first`);
    expect(before.steps[0]?.status).toBe('succeeded');

    startAgent(account, { visibilitySeconds: 30 });
    const after = await resultWhen(
      account,
      body,
      (r) => r.status === 'succeeded' || r.status === 'failed',
      'the resumed run to end',
      90_000,
    );
    expect(after.status).toBe('succeeded');
    // `first` kept its result from the first attempt: same start, same output, not run again.
    expect(after.steps[0]).toEqual(before.steps[0]);
    expect(await readObject(account, `${prefix}outputs/first`)).toBe(firstOutput);
    const second = await logEvents(account, `app/${body.runId}/second`);
    expect(second).toEqual([`attempt 1 got ${firstOutput?.trim()}`, `attempt 2 got ${firstOutput?.trim()}`]);
    // `deploy` had run; only its `done` ran again.
    expect(await logEvents(account, `app/${body.runId}/deploy`)).toEqual(['deploying']);
    expect(after.steps[2]).toMatchObject({ status: 'succeeded', phase: 'done' });
    expect(await leftovers(body.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('SIGTERM: a running job finishes within the grace period, and the agent exits 0', async () => {
    const account = await newAccount();
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `work:\n  img: ${IMG}\n  run: sleep 3; echo finished\n` }),
    );
    const child = spawnAgent(account, { DOCKERCISE_SHUTDOWN_GRACE: '60' });
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.steps[0]?.status === 'running', 'the step to run', 60_000);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect((await readResult(account, body))?.status).toBe('succeeded');
    expect(await queueCounts(account, account.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('SIGTERM with a short grace period: the job is interrupted and its message released for another agent', async () => {
    const account = await newAccount(60);
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `work:\n  img: ${IMG}\n  run: sleep 120\n` }),
    );
    const child = spawnAgent(account, { DOCKERCISE_SHUTDOWN_GRACE: '1' });
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.steps[0]?.status === 'running', 'the step to run', 60_000);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const handedBack = await readResult(account, body);
    expect(handedBack?.status).toBe('pending');
    expect(handedBack?.steps[0]?.status).toBe('pending');
    // Released with visibility 0: visible again at once, though the queue's timeout is 60 s.
    expect(await queueCounts(account, account.queueUrl)).toEqual({ visible: 1, inFlight: 0 });
    expect(await leftovers(body.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('a step printing 100,000 lines: all arrive, in order, in CloudWatch and S3', async () => {
    const account = await newAccount();
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `loud:\n  img: ${IMG}\n  run: seq 1 100000 >&2\n` }),
    );
    startAgent(account);
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.status === 'succeeded', 'the run', 120_000);
    const events = await logEvents(account, `app/${body.runId}/loud`);
    expect(events.length).toBe(100_000);
    expect(events.every((line, i) => line === String(i + 1))).toBe(true);
    const s3Log = (await readObject(account, `${runPrefix('app', body.runId)}logs/loud.log`)) ?? '';
    expect(s3Log.split('\n').filter(Boolean).length).toBe(100_000);
  }, 180_000);

  it('Docker engine down at start and mid-run: waits for it, releases the job, loses nothing', async () => {
    const account = await newAccount();
    const proxy = new DockerSocketProxy();
    running.push({ stop: () => proxy.down() });
    const body = jobBody(
      account,
      compile({
        'a.dockercise.yaml': `before:\n  img: ${IMG}\n  run: echo ready\nslow:\n  img: ${IMG}\n  run: cat {before}; sleep 3; echo finished\n`,
      }),
    );
    const errors: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_: object, message: string) => void errors.push(message),
    };
    startAgent(account, { engine: new DockerEngine(new Docker({ socketPath: proxy.path })), logger });
    await sendJob(account, body);
    await new Promise((r) => setTimeout(r, 2500));
    // No engine: the agent does not take jobs it cannot run.
    expect(errors).toContain('the Docker engine is unreachable; waiting for it');
    expect(await queueCounts(account, account.queueUrl)).toEqual({ visible: 1, inFlight: 0 });

    await proxy.up();
    await resultWhen(account, body, (r) => r.steps[1]?.status === 'running', 'slow to run', 60_000);
    await proxy.down();
    const interrupted = await resultWhen(
      account,
      body,
      (r) => r.status === 'pending',
      'the run to be handed back',
      30_000,
    );
    expect(interrupted.steps.map((s) => s.status)).toEqual(['succeeded', 'pending']);
    expect(errors).toContain('the Docker engine is unreachable: job released');

    await proxy.up();
    const finished = await resultWhen(
      account,
      body,
      (r) => r.status === 'succeeded',
      'the run to finish once the engine is back',
      90_000,
    );
    expect(finished.steps[0]).toEqual(interrupted.steps[0]);
    expect(await logEvents(account, `app/${body.runId}/slow`)).toContain('finished');
    expect(await leftovers(body.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('exits 78 with every configuration problem listed', async () => {
    const child = spawn(process.execPath, [BIN, '--config', '/dev/null'], {
      env: { PATH: process.env.PATH, DOCKERCISE_CONCURRENCY: 'many', DOCKERCISE_PUBLIC_KEY: 'abc' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    expect(await exited(child)).toBe(78);
    expect(stderr).toContain(
      'DOCKERCISE_QUEUE_URL is missing: the job queue URL (set it in /dev/null, the environment, or --queue-url)',
    );
    expect(stderr).toContain('DOCKERCISE_CONCURRENCY=many is not a whole number of at least 1');
    expect(stderr).toContain('DOCKERCISE_PUBLIC_KEY is not an Ed25519 public key');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
