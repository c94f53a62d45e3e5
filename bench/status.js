// (i) GitHub hears a run's end: from the agent writing the final result.json (moto) to the commit
// status reaching a stand-in GitHub on loopback; and what an idle connected account costs in AWS
// requests (the reporter reads only runs that have not finished).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { initialRunResult, newRunId, silentLogger } from '@dockercise/shared';
import { AccountAccess } from '../control-plane/dist/aws/account-access.js';
import { SecretBox } from '../control-plane/dist/crypto/secret-box.js';
import { GitHub } from '../control-plane/dist/github/github.js';
import { openSqliteStore } from '../control-plane/dist/store/open-store.js';
import { wireControlPlane } from '../control-plane/dist/wire.js';
import { startMoto } from './moto.js';
import { median } from './stats.js';

const REGION = 'us-east-1';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GitHub's statuses endpoint and nothing else: when each status arrived, by commit and state. */
async function standInGitHub() {
  const arrivals = new Map();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const sha = request.url?.split('/statuses/')[1];
      const { state } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (sha) arrivals.set(`${sha} ${state}`, performance.now());
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, arrivals, close: () => server.close() };
}

export async function statusLatency(results, runs = 20) {
  const moto = await startMoto();
  const github = await standInGitHub();
  try {
    const s3 = new S3Client({ region: REGION, endpoint: moto.endpoint, forcePathStyle: true });
    const bucket = `results-${randomBytes(4).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const role = await new IAMClient({ region: REGION, endpoint: moto.endpoint }).send(
      new CreateRoleCommand({
        RoleName: `dockercise-${bucket}`,
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );
    const accountId = role.Role.Arn.split(':')[4];
    const store = openSqliteStore(
      join(mkdtempSync(join(tmpdir(), 'bench-status-')), 'store.db'),
      new SecretBox('b'.repeat(40)),
    );
    const access = AccountAccess.create(REGION, moto.endpoint);
    // Every AWS request the control plane makes through the customer's role, counted.
    let awsRequests = 0;
    const clients = access.clients.bind(access);
    access.clients = async (account) => {
      const made = await clients(account);
      if (!made.counted) {
        made.counted = true;
        made.s3.middlewareStack.add((next) => (args) => {
          awsRequests++;
          return next(args);
        });
      }
      return made;
    };
    const cp = wireControlPlane({
      store,
      github: new GitHub({
        clientId: 'bench',
        clientSecret: 'bench',
        apiUrl: github.url,
        webUrl: github.url,
      }),
      access,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      logger: silentLogger,
      config: {
        publicUrl: 'http://127.0.0.1',
        sessionSecret: 'bench-session-secret-0123456789abcdef',
        local: false,
        controlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
        jobSigningPublicKey: 'x',
        templateUrl: 'https://x',
        agentVersion: '0.1.0',
      },
    });
    const user = await store.upsertUser({ githubId: 1, login: 'bench', token: 'gho_bench' });
    await store.createAccount({ accountId, ownerId: user.id, externalId: 'bench-external', region: REGION });
    await store.registerAccount(
      accountId,
      {
        roleArn: role.Role.Arn,
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q',
        deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/d',
        bucket,
        logGroup: '/bench',
        hostGroup: 'dockercise-hosts-bench',
        maxHosts: 1,
        jobsPerHost: 2,
        region: REGION,
      },
      new Date().toISOString(),
    );
    await store.saveRepo({
      id: 42,
      fullName: 'bench/app',
      ownerId: user.id,
      accountId,
      webhookSecret: 's',
      deployPrivateKey: 'k',
    });

    // The reporter as index.ts runs it: a pass every second.
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        await cp.statuses.pass().catch(() => {});
        await sleep(1000);
      }
    })();

    const put = (runId, result) =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `runs/bench.app/${runId}/result.json`,
          Body: JSON.stringify(result),
        }),
      );
    const started = [];
    for (let i = 0; i < runs; i++) {
      const runId = newRunId();
      const sha = randomBytes(20).toString('hex');
      const plan = { version: 1, steps: [], gates: [] };
      await store.recordRun({
        runId,
        repoId: 42,
        accountId,
        pipeline: 'bench.app',
        commit: sha,
        status: 'sent',
        plan,
        approvedGates: [],
        createdAt: new Date().toISOString(),
      });
      const running = {
        ...initialRunResult({
          runId,
          pipeline: 'bench.app',
          plan,
          startedAt: new Date().toISOString(),
          isApproved: () => false,
        }),
        status: 'running',
      };
      await put(runId, running);
      started.push({ runId, sha, running });
    }
    // Each run ends at its own moment, as runs do, while the reporter backs off on the others.
    const latencies = await Promise.all(
      started.map(async ({ runId, sha, running }, i) => {
        await sleep(3000 + i * 700);
        const ended = performance.now();
        await put(runId, {
          ...running,
          status: 'succeeded',
          endedAt: new Date().toISOString(),
          durationMs: 1,
        });
        for (;;) {
          const arrived = github.arrivals.get(`${sha} success`);
          if (arrived) return arrived - ended;
          await sleep(50);
        }
      }),
    );
    // Then nothing runs: what does the idle account cost?
    const before = awsRequests;
    await sleep(30_000);
    const idlePerMinute = (awsRequests - before) * 2;
    stop = true;
    await loop;
    await cp.compiler.close();
    store.close();
    results.push({
      name: '(i) end to status, s',
      detail: `${runs} runs ending at staggered times, median; the reporter passing every 1 s`,
      baseline: 'goal 10 s',
      measured: `median ${(median(latencies) / 1000).toFixed(1)} s, max ${(Math.max(...latencies) / 1000).toFixed(1)} s`,
      ratio: median(latencies) / 1000,
      goal: 10,
    });
    results.push({
      name: '(i2) idle AWS req/min',
      detail: `an account with every run finished, over 30 s (${before} requests while runs were going)`,
      baseline: 'goal 0',
      measured: `${idlePerMinute} requests a minute`,
      ratio: idlePerMinute,
      goal: 0,
    });
  } finally {
    github.close();
    moto.stop();
  }
}
