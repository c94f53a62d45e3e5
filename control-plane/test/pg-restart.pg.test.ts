import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../agent/test/aws-harness.js';
import { startPipelineGitHub } from '../../bench/pipeline-github.js';
import { type Cluster, startCluster } from '../../bench/postgres-cluster.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { openPgStore } from '../src/store/open-store.js';
import { awsQueueUrl, customerAccount } from './harness.js';
import { freshDatabase } from './postgres.js';
import { drainJobs, pushDelivery, type Replica, STORE_SECRET, startReplica } from './replicas.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a PostgreSQL restart under a running control plane', () => {
  it('answers 503 while the database is down, never a 500 with a stack, and recovers by itself', async () => {
    // A cluster of this test's own: it is stopped and started again.
    const cluster: Cluster = await startCluster();
    cleanups.push(() => cluster.destroy());
    const database = await freshDatabase(cluster.url);
    const github = await startPipelineGitHub({
      'ci.dockercise.yaml': 'build:\n  img: busybox\n  run: make\n',
    });
    cleanups.push(() => github.close());
    const account = await customerAccount(1);
    const store = await openPgStore(database, new SecretBox(STORE_SECRET));
    cleanups.push(() => store.close());
    const user = await store.upsertUser({ githubId: 1, login: 'octo', token: 'gho_octo' });
    const accountId = account.roleArn.split(':')[4] ?? '';
    await store.createAccount({
      accountId,
      ownerId: user.id,
      externalId: 'external-id-for-restart',
      region: 'us-east-1',
    });
    await store.registerAccount(
      accountId,
      {
        roleArn: account.roleArn,
        queueUrl: awsQueueUrl(account.queueUrl),
        deadLetterQueueUrl: awsQueueUrl(account.deadLetterQueueUrl),
        bucket: account.bucket,
        logGroup: account.logGroup,
        hostGroup: account.group.name,
        maxHosts: 1,
        jobsPerHost: 2,
        region: 'us-east-1',
      },
      new Date().toISOString(),
    );
    const repo = { id: 9100, fullName: 'octo/restart', webhookId: 9200, webhookSecret: 'restart-secret' };
    await store.saveRepo({ ...repo, ownerId: user.id, accountId, deployPrivateKey: 'key' });
    const replica: Replica = await startReplica({ database, github: github.url });
    cleanups.push(() => replica.kill('SIGKILL'));
    const push = (id: string, commit: string) => pushDelivery(repo, id, commit)(replica.url);

    expect((await push('before', 'a'.repeat(40))).status).toBe(202);
    cluster.stop();
    const down = await push('during', 'b'.repeat(40));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    const body = (await down.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: 'the database is unavailable for a moment: try again shortly' });
    // The API too; the process stays up and serves what needs no database.
    expect(
      (await fetch(`${replica.url}/api/accounts`, { headers: { cookie: '__Host-dockercise_session=x' } }))
        .status,
    ).toBe(401);
    expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);

    cluster.start();
    // GitHub delivers again what was refused; the replica, not restarted, takes it.
    await eventually(
      async () => ((await push('during', 'b'.repeat(40))).status === 202 ? true : undefined),
      30_000,
      'the database back',
    );
    expect(replica.process.exitCode).toBeNull();
    // Its background thread recovered too: both pushes became runs, and their jobs went out.
    await eventually(
      async () => {
        const runs = await store.listRuns(accountId, 'octo.restart', 10).catch(() => []);
        return runs.length === 2 && runs.every((r) => r.status === 'sent') ? true : undefined;
      },
      60_000,
      'both runs sent',
    );
    expect((await drainJobs(account)).size).toBe(2);
    // No request became an internal error (what the error handler logs for a 500).
    expect(replica.output()).not.toContain('"msg":"request failed"');
    expect(replica.output()).toContain('"msg":"the database is unavailable"');
  }, 180_000);
});
