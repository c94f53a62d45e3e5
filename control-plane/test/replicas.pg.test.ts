import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../agent/test/aws-harness.js';
import { type PipelineGitHub, startPipelineGitHub } from '../../bench/pipeline-github.js';
import { pipelineName } from '../src/builds/builder.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { openPgStore } from '../src/store/open-store.js';
import type { SqlStore } from '../src/store/sql-store.js';
import type { RunRecord } from '../src/store/store.js';
import { awsQueueUrl, customerAccount } from './harness.js';
import { freshDatabase } from './postgres.js';
import { drainJobs, pushDelivery, type Replica, STORE_SECRET, startReplica } from './replicas.js';

let database: string;
let github: PipelineGitHub;
let account: Awaited<ReturnType<typeof customerAccount>>;
let store: SqlStore;
let accountId: string;
const replicas: Replica[] = [];
const repos = [1, 2, 3, 4].map((i) => ({
  id: 7000 + i,
  fullName: `octo/app-${i}`,
  webhookId: 8000 + i,
  webhookSecret: `secret-${i}`,
}));

const commit = () => randomBytes(20).toString('hex');

/** Every run of the account, by the delivery that made it. */
async function runsByDelivery(): Promise<Map<string, RunRecord[]>> {
  const all = (
    await Promise.all(repos.map((r) => store.listRuns(accountId, pipelineName(r.fullName), 10_000)))
  ).flat();
  const by = new Map<string, RunRecord[]>();
  for (const run of all)
    by.set(run.deliveryId ?? run.runId, [...(by.get(run.deliveryId ?? run.runId) ?? []), run]);
  return by;
}

/** Waits until `count` runs are all on the queue (sent), then takes the queue's jobs. */
async function sentRuns(count: number) {
  await eventually(
    async () => {
      const runs = [...(await runsByDelivery()).values()].flat();
      return runs.length >= count && runs.every((r) => r.status === 'sent') ? true : undefined;
    },
    90_000,
    `${count} runs sent`,
  );
  return drainJobs(account);
}

beforeAll(async () => {
  database = await freshDatabase();
  github = await startPipelineGitHub({ 'ci.dockercise.yaml': 'build:\n  img: busybox\n  run: make\n' });
  account = await customerAccount(4);
  store = await openPgStore(database, new SecretBox(STORE_SECRET));
  const user = await store.upsertUser({ githubId: 1, login: 'octo', token: 'gho_octo' });
  accountId = account.roleArn.split(':')[4] ?? '';
  await store.createAccount({
    accountId,
    ownerId: user.id,
    externalId: 'external-id-for-replicas',
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
      maxHosts: 4,
      jobsPerHost: 2,
      region: 'us-east-1',
    },
    new Date().toISOString(),
  );
  for (const repo of repos)
    await store.saveRepo({ ...repo, ownerId: user.id, accountId, deployPrivateKey: 'key' });
  replicas.push(
    await startReplica({ database, github: github.url }),
    await startReplica({ database, github: github.url }),
  );
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
  await store?.close();
  await github?.close();
});

describe('two control planes on one PostgreSQL (moto for AWS)', () => {
  it('turns 200 deliveries over both into exactly one run per delivery and one job per run', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const sends: Array<() => Promise<Response>> = [];
    const unique = new Set<string>();
    // 20 pushes to one repository, 160 spread over the others, alternating replicas...
    for (let i = 0; i < 180; i++) {
      const repo = i < 20 ? repos[0] : repos[1 + (i % 3)];
      const id = `delivery-${i}-${randomBytes(3).toString('hex')}`;
      unique.add(id);
      const deliver = pushDelivery(repo as (typeof repos)[number], id, commit());
      sends.push(() => deliver(i % 2 === 0 ? a.url : b.url));
    }
    // ...and 10 deliveries GitHub sent to both at the same moment (a retry after a timeout, say).
    const twice: Array<() => Promise<Response[]>> = [];
    for (let i = 0; i < 10; i++) {
      const id = `twice-${i}-${randomBytes(3).toString('hex')}`;
      unique.add(id);
      const deliver = pushDelivery(repos[i % 4] as (typeof repos)[number], id, commit());
      twice.push(() => Promise.all([deliver(a.url), deliver(b.url)]));
    }
    const answers = await Promise.all([...sends.map((s) => s()), ...twice.map((t) => t())]);
    const statuses = answers.flat().map((r) => r.status);
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s === 202)).toHaveLength(190);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10); // the second of each pair: a duplicate

    const jobs = await sentRuns(190);
    const runs = await runsByDelivery();
    expect([...runs.keys()].sort()).toEqual([...unique].sort());
    expect([...runs.values()].every((list) => list.length === 1)).toBe(true);
    expect(jobs.size).toBe(190);
    expect([...jobs.values()].every((n) => n === 1)).toBe(true);
    // Both replicas did a share of the builds.
    expect(a.output()).toContain('job sent');
    expect(b.output()).toContain('job sent');
  }, 180_000);

  it('leaves nothing unbuilt nor built twice when a replica is killed in the middle of building', async () => {
    const [a, b] = replicas as [Replica, Replica];
    github.state.delayMs = 1500;
    const treesBefore = github.state.trees;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `killed-${i}-${randomBytes(3).toString('hex')}`;
      ids.push(id);
      const response = await pushDelivery(repos[i % 4] as (typeof repos)[number], id, commit())(a.url);
      expect(response.status).toBe(202);
    }
    await eventually(async () => github.state.trees > treesBefore || undefined, 10_000, 'builds under way');
    await a.kill('SIGKILL');
    // Killed while its builds waited on GitHub: none of them had become a run.
    expect(await countMade(ids)).toBe(0);
    github.state.delayMs = 0;
    // The survivor takes them once the dead replica's claims run out (3 s here).
    const jobs = await sentRuns(190 + 20);
    const runs = await runsByDelivery();
    for (const id of ids) expect(runs.get(id)?.length, id).toBe(1);
    const theirs = ids.flatMap((id) => runs.get(id) ?? []).map((r) => r.runId);
    expect(theirs.every((runId) => jobs.get(runId) === 1)).toBe(true);
    expect(b.output()).toContain('job sent');
    replicas[0] = await startReplica({ database, github: github.url });
  }, 180_000);

  it("has both replicas' reconcilers send each unsent run once", async () => {
    const old = new Date(Date.now() - 60_000).toISOString();
    const recorded: string[] = [];
    for (let i = 0; i < 20; i++) {
      const run = await store.recordRun({
        runId: `20261201T000000Z-${randomBytes(3).toString('hex')}`,
        repoId: (repos[i % 4] as (typeof repos)[number]).id,
        accountId,
        pipeline: pipelineName((repos[i % 4] as (typeof repos)[number]).fullName),
        commit: commit(),
        status: 'recorded',
        plan: { version: 1, steps: [], gates: [] },
        approvedGates: [],
        createdAt: old,
      });
      recorded.push(run.runId);
    }
    const jobs = await sentRuns(190 + 20 + 20);
    expect(recorded.map((runId) => jobs.get(runId))).toEqual(recorded.map(() => 1));
    expect(jobs.size).toBe(20);
  }, 120_000);

  it('on SIGTERM with builds waiting, finishes what it holds, exits, and leaves the rest to the other', async () => {
    const [a, b] = replicas as [Replica, Replica];
    github.state.delayMs = 300;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `draining-${i}-${randomBytes(3).toString('hex')}`;
      ids.push(id);
      expect((await pushDelivery(repos[i % 4] as (typeof repos)[number], id, commit())(a.url)).status).toBe(
        202,
      );
    }
    await a.kill('SIGTERM');
    // Only its few builds in hand are finished first, not the whole backlog (each build waits on
    // the slowed GitHub): counted, not timed, as a loaded machine makes any time limit flaky.
    expect(await countMade(ids)).toBeLessThan(ids.length);
    expect(a.process.exitCode).toBe(0);
    github.state.delayMs = 0;
    const jobs = await sentRuns(190 + 20 + 20 + 30);
    const runs = await runsByDelivery();
    expect(ids.map((id) => runs.get(id)?.length)).toEqual(ids.map(() => 1));
    expect(ids.every((id) => jobs.get(runs.get(id)?.[0]?.runId ?? '') === 1)).toBe(true);
    expect(b.output()).toContain('job sent');
    replicas[0] = await startReplica({ database, github: github.url });
  }, 120_000);
});

/** How many of these deliveries already have a run. */
async function countMade(ids: string[]): Promise<number> {
  const runs = await runsByDelivery();
  return ids.filter((id) => runs.has(id)).length;
}
