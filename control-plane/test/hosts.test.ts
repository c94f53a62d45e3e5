import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { type Plan, runPrefix } from '@dockercise/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, inProcessAgent, readObject } from '../../agent/test/aws-harness.js';
import { compile, IMG } from '../../agent/test/harness.js';
import type { Imds } from '../../agent/test/imds.js';
import type { RunRecord } from '../src/store/store.js';
import { connectAccount, controlPlane, customerAccount, signIn } from './harness.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

let next = 0;
/** An account connected to a fresh control plane, its repository, and a way to record and send runs. */
async function connected(options: Parameters<typeof controlPlane>[1] = {}, maxHosts = 2) {
  const cp = controlPlane(undefined, options);
  stops.push(async () => {
    cp.capacity.close();
    cp.store.close();
  });
  const cookie = await signIn(cp, { id: 5000 + next, login: `hosts${next}` });
  const account = await customerAccount(maxHosts);
  const accountId = await connectAccount(cp, cookie, account);
  const user = await cp.store.upsertUser({ githubId: 5000 + next, login: `hosts${next}`, token: 't' });
  const repoId = 9000 + next++;
  await cp.store.saveRepo({
    id: repoId,
    fullName: `hosts/app${repoId}`,
    ownerId: user.id,
    accountId,
    webhookSecret: 'w',
    deployPrivateKey: 'k',
  });
  const send = async (plan: Plan): Promise<RunRecord> => {
    const run = await cp.store.recordRun({
      runId: `20261201T00000${next++}Z-${String(repoId).padStart(6, '0')}`,
      repoId,
      accountId,
      pipeline: 'hosts.app',
      commit: 'a'.repeat(40),
      status: 'recorded',
      plan,
      approvedGates: [],
      createdAt: new Date().toISOString(),
    });
    await cp.dispatcher.send(run);
    return run;
  };
  return { cp, account, accountId, send };
}

/** An agent on one of the group's hosts, as that host's boot would start it. */
async function agentOn(account: Awaited<ReturnType<typeof customerAccount>>, instanceId: string) {
  const metadata: Imds = await account.group.metadataFor(instanceId);
  const agent = inProcessAgent(account, {
    instanceId,
    metadataUrl: metadata.url,
    group: { name: account.group.name, scaleInPolicy: account.group.scaleInPolicy },
    concurrency: 1,
    idleStopMinutes: 0.05,
  });
  const done = agent.run();
  stops.push(async () => {
    agent.shutdown();
    agent.shutdown();
    await done.catch(() => {});
    await metadata.close();
  });
}

const statusOf = async (account: Awaited<ReturnType<typeof customerAccount>>, run: RunRecord) =>
  (
    JSON.parse((await readObject(account, `${runPrefix(run.pipeline, run.runId)}result.json`)) ?? '{}') as {
      status?: string;
    }
  ).status;

const leaseHolder = async (account: Awaited<ReturnType<typeof customerAccount>>, run: RunRecord) =>
  (
    JSON.parse((await readObject(account, `${runPrefix(run.pipeline, run.runId)}lease`)) ?? '{}') as {
      holder?: string;
    }
  ).holder;

describe("the control plane sizing an account's hosts (moto)", () => {
  it('grows the group to the runs that need a host, 0 to 2, each host takes one, and idle hosts shrink it to 0', async () => {
    const { cp, account, accountId, send } = await connected();
    expect(await account.group.desired()).toBe(0);
    const plan = compile({ 'a.dockercise.yaml': `work:\n  img: ${IMG}\n  run: sleep 3; echo done\n` });
    const first = await send(plan);
    expect(await account.group.desired()).toBe(1);
    const second = await send(plan);
    expect(await account.group.desired()).toBe(2);
    expect((await cp.store.getAccount(accountId))?.capacityWanted).toBe(2);
    const hosts = await account.group.hosts(2);
    for (const host of hosts) await agentOn(account, host);

    for (const run of [first, second])
      await eventually(
        async () => (await statusOf(account, run)) === 'succeeded',
        60_000,
        `run ${run.runId}`,
      );
    // One run on each host: at once, on different hosts.
    expect(new Set([await leaseHolder(account, first), await leaseHolder(account, second)])).toEqual(
      new Set(hosts),
    );
    // Both idle a few seconds, both leave: the group is back to none, for no request of ours.
    await eventually(
      async () => (await account.group.desired()) === 0 && (await account.group.instances()).length === 0,
      30_000,
      'the hosts to leave',
    );
  });

  it('asks again for a host when a sent run finds none (the last host left as it arrived)', async () => {
    const { cp, account, accountId, send } = await connected({ strandedAfterMs: 300 }, 1);
    const run = await send(compile({ 'a.dockercise.yaml': `late:\n  img: ${IMG}\n  run: echo made it\n` }));
    expect(await account.group.desired()).toBe(1);
    // The host that was leaving lowered the group just after the dispatch raised it.
    await account.group.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: account.group.name, DesiredCapacity: 0 }),
    );
    await cp.reconciler.pass();
    expect(await account.group.desired()).toBe(0); // not yet: it was sent a moment ago
    await new Promise((r) => setTimeout(r, 400));
    await cp.reconciler.pass();
    expect(await account.group.desired()).toBe(1);
    const asked = (await cp.store.getAccount(accountId))?.capacityRequestedAt;
    // And not again at every pass: the next try for the account waits longer.
    await account.group.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: account.group.name, DesiredCapacity: 0 }),
    );
    await cp.reconciler.pass();
    expect(await account.group.desired()).toBe(0);
    expect((await cp.store.getAccount(accountId))?.capacityRequestedAt).toBe(asked);
    // A host comes, and takes it.
    await account.group.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: account.group.name, DesiredCapacity: 1 }),
    );
    const [host = ''] = await account.group.hosts(1);
    await agentOn(account, host);
    await eventually(async () => (await statusOf(account, run)) === 'succeeded', 60_000, 'the run');
  });

  it('tries again, with back-off, while the group is busy (a host stopping into the warm pool)', async () => {
    const { cp, account, send } = await connected({ capacityRetryMs: [200, 400, 800] }, 1);
    const account0 = await cp.store.getAccount(account.roleArn.split(':')[4] ?? '');
    if (!account0) throw new Error('not connected');
    // Auto Scaling refuses while a scaling activity runs (moto never does: the refusal is injected
    // into the control plane's own client, in front of moto).
    let refusals = 2;
    const { autoscaling } = await cp.access.clients(account0);
    autoscaling.middlewareStack.add(
      (next) => async (args) => {
        if (refusals-- > 0)
          throw Object.assign(new Error('Scaling activity is in progress'), {
            name: 'ScalingActivityInProgress',
          });
        return next(args);
      },
      { step: 'initialize', name: 'busyGroup' },
    );
    const run = await send(compile({ 'a.dockercise.yaml': `w:\n  img: ${IMG}\n  run: "true"\n` }));
    // The job went out at once; the host follows once the group takes the request.
    expect((await cp.store.getRun(run.runId))?.status).toBe('sent');
    expect(await account.group.desired()).toBe(0);
    await eventually(async () => (await account.group.desired()) === 1, 5_000, 'the capacity');
    expect(refusals).toBe(-1);
  });
});
