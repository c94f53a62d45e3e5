// (e) Webhook accept throughput: signed push deliveries against the control plane on loopback, with
// the enqueue side (builds, dispatch to SQS) against moto. GitHub's API is played by nock in-process.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { AccountAccess } from '../control-plane/dist/aws/account-access.js';
import { SecretBox } from '../control-plane/dist/crypto/secret-box.js';
import { GitHub } from '../control-plane/dist/github/github.js';
import { silentLogger } from '../control-plane/dist/logger.js';
import { SqliteStore } from '../control-plane/dist/store/sqlite-store.js';
import { wireControlPlane } from '../control-plane/dist/wire.js';
import { startMoto } from './moto.js';

const REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'bench';
process.env.AWS_SECRET_ACCESS_KEY = 'bench';

export async function webhookThroughput(results, seconds = 10, connections = 16) {
  // Loaded here, not at the top: nock patches every HTTP request of the process once imported,
  // and the other benchmarks' large streams (Docker's socket, S3 uploads) broke through it.
  const { default: nock } = await import('nock');
  const moto = await startMoto({ nice: true });
  const endpoint = moto.endpoint;
  try {
    const sqs = new SQSClient({ region: REGION, endpoint });
    const id = randomUUID().slice(0, 8);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `jobs-${id}` }));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${id}` }));
    const { S3Client } = await import('@aws-sdk/client-s3');
    await new S3Client({ region: REGION, endpoint, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: `results-${id}` }),
    );
    const role = await new IAMClient({ region: REGION, endpoint }).send(
      new CreateRoleCommand({
        RoleName: `dockercise-${id}`,
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );
    // The account's host group, as the stack makes it: every build sizes it.
    const { LaunchTemplate } = await new EC2Client({ region: REGION, endpoint }).send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `hosts-${id}`,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' },
      }),
    );
    const hostGroup = `dockercise-hosts-${id}`;
    await new AutoScalingClient({ region: REGION, endpoint }).send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: hostGroup,
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 0,
        AvailabilityZones: [`${REGION}a`],
        LaunchTemplate: { LaunchTemplateId: LaunchTemplate.LaunchTemplateId, Version: '$Latest' },
      }),
    );

    const store = new SqliteStore(
      join(mkdtempSync(join(tmpdir(), 'bench-cp-')), 'store.db'),
      new SecretBox('bench-store-secret-0123456789abcdef'),
    );
    const github = new GitHub({ clientId: 'bench', clientSecret: 'bench' });
    const access = AccountAccess.create(REGION, endpoint);
    const { app, builds } = wireControlPlane({
      store,
      github,
      access,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      logger: silentLogger,
      buildConcurrency: Number(process.env.BENCH_BUILD_CONCURRENCY ?? 4),
      config: {
        publicUrl: 'http://127.0.0.1',
        sessionSecret: 'bench-session-secret-0123456789abcdef',
        local: true,
        controlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
        jobSigningPublicKey: 'x',
        templateUrl: 'https://x',
        agentVersion: '0.1.0',
      },
    });

    const user = await store.upsertUser({ githubId: 1, login: 'bench', token: 'gho_bench' });
    const accountId = role.Role.Arn.split(':')[4];
    await store.createAccount({
      accountId,
      ownerId: user.id,
      externalId: 'bench-external-id',
      region: REGION,
    });
    await store.registerAccount(
      accountId,
      {
        roleArn: role.Role.Arn,
        queueUrl: queue.QueueUrl,
        deadLetterQueueUrl: dlq.QueueUrl,
        bucket: `results-${id}`,
        logGroup: '/bench',
        hostGroup,
        maxHosts: 1,
        jobsPerHost: 2,
        region: REGION,
      },
      new Date().toISOString(),
    );
    const secret = 'bench-webhook-secret';
    await store.saveRepo({
      id: 42,
      fullName: 'bench/app',
      ownerId: user.id,
      accountId,
      webhookId: 7,
      webhookSecret: secret,
      deployPrivateKey: 'key',
    });

    const commit = 'c'.repeat(40);
    nock.enableNetConnect(/127\.0\.0\.1/);
    nock('https://api.github.com')
      .persist()
      .get(`/repos/bench/app/git/trees/${commit}`)
      .query(true)
      .reply(200, {
        truncated: false,
        tree: [{ path: 'ci.dockercise.yaml', type: 'blob', sha: 'b'.repeat(40) }],
      });
    nock('https://api.github.com')
      .persist()
      .get(`/repos/bench/app/git/blobs/${'b'.repeat(40)}`)
      .reply(200, {
        content: Buffer.from('build:\n  img: busybox\n  run: make\n').toString('base64'),
        encoding: 'base64',
      });

    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address();
    const output = await new Promise((resolve, reject) => {
      const load = new URL('./webhook-load.js', import.meta.url).pathname;
      const args = [
        load,
        `http://127.0.0.1:${port}/webhooks/github`,
        secret,
        String(seconds),
        String(connections),
      ];
      execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });
    const result = JSON.parse(output);
    const statuses = new Map(Object.entries(result.statuses).map(([k, v]) => [Number(k), v]));
    const accepted = statuses.get(202) ?? 0;
    // Let the enqueue side finish, boundedly, and count what reached the queue.
    await Promise.race([
      builds.idle(),
      new Promise((r) => setTimeout(r, Number(process.env.BENCH_DRAIN_MS ?? 180_000))),
    ]);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    server.close();
    nock.cleanAll();
    store.close();
    const rps = accepted / seconds;
    results.push({
      name: '(e) webhook accept rate',
      detail: `${connections} connections for ${seconds}s: ${accepted} accepted (202), ${result.non2xx} other; ${Attributes.ApproximateNumberOfMessages} jobs on the queue after the builds drained`,
      baseline: 'goal 1000 deliveries/s',
      measured: `${rps.toFixed(0)} deliveries/s`,
      ratio: 1000 / rps,
      goal: 1,
    });
    results.push({
      name: '(e) webhook accept p99',
      detail: `median ${result.latency.p50} ms`,
      baseline: 'goal 50 ms',
      measured: `p99 ${result.latency.p99} ms`,
      ratio: result.latency.p99 / 50,
      goal: 1,
    });
  } finally {
    moto.stop();
  }
}
