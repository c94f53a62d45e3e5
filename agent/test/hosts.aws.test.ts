import { SetDesiredCapacityCommand, SetInstanceProtectionCommand } from '@aws-sdk/client-auto-scaling';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { signJob } from '@dockercise/shared/node';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Account,
  clients,
  controlPlaneKeys,
  eventually,
  inProcessAgent,
  jobBody,
  newAccount,
  readObject,
  resultWhen,
  sendJob,
} from './aws-harness.js';
import { compile, IMG } from './harness.js';
import { hostGroupInMoto } from './host-group-harness.js';

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

function start(account: Account, options: Parameters<typeof inProcessAgent>[1]) {
  const agent = inProcessAgent(account, options);
  const done = agent.run();
  const stop = async () => {
    agent.shutdown();
    agent.shutdown();
    await done.catch(() => {});
  };
  running.push(stop);
  return { agent, done, stop };
}

const report = async (account: Account, instanceId: string) => {
  const text = await readObject(account, `hosts/${instanceId}.json`);
  return text ? (JSON.parse(text) as { state: string }) : undefined;
};

describe("agents on an account's Auto Scaling group (moto)", () => {
  it('protects its host while it serves; idle, it lets go and the group shrinks by it', async () => {
    const account = await newAccount();
    const group = await hostGroupInMoto(2);
    await group.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: group.name, DesiredCapacity: 1 }),
    );
    const [host = ''] = await group.hosts(1);
    // Unprotected to start with, so that what follows is the agent's doing.
    await group.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: group.name,
        InstanceIds: [host],
        ProtectedFromScaleIn: false,
      }),
    );
    const metadata = await group.metadataFor(host);
    running.push(() => metadata.close());
    start(account, {
      instanceId: host,
      metadataUrl: metadata.url,
      group: { name: group.name, scaleInPolicy: group.scaleInPolicy },
      idleStopMinutes: 0.05,
    });
    await eventually(async () => (await group.instances())[0]?.protected, 10_000, 'the host protected');
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `work:\n  img: ${IMG}\n  run: sleep 2; echo done\n` }),
    );
    await sendJob(account, body);
    await eventually(async () => (await report(account, host))?.state === 'busy', 20_000, 'busy');
    expect((await group.instances())[0]?.protected).toBe(true);
    await resultWhen(account, body, (r) => r.status === 'succeeded', 'the run');
    // Three seconds idle: it leaves. The group is one smaller, and it is the host that went
    // (moto terminates it; AWS, with the stack's warm pool, stops it into the pool).
    await eventually(
      async () => (await group.desired()) === 0 && (await group.instances()).length === 0,
      20_000,
      'the host to leave',
    );
    expect((await report(account, host))?.state).toBe('leaving');
    expect(metadata.unauthorised).toBe(0);
  });

  it('serves on when a job arrives as it decides to leave, and leaves nothing stranded', async () => {
    const account = await newAccount();
    const group = await hostGroupInMoto(1);
    await group.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: group.name, DesiredCapacity: 1 }),
    );
    const [host = ''] = await group.hosts(1);
    const metadata = await group.metadataFor(host);
    running.push(() => metadata.close());
    // A job on its way while the host has been idle long enough: SQS holds it back (a delay), so
    // it is not received yet, but it counts as waiting when the host checks before it leaves.
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `late:\n  img: ${IMG}\n  run: echo made it\n` }),
    );
    await account.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: account.queueUrl,
        MessageBody: JSON.stringify(signJob(body, controlPlaneKeys.privateKey)),
        DelaySeconds: 4,
      }),
    );
    start(account, {
      instanceId: host,
      metadataUrl: metadata.url,
      group: { name: group.name, scaleInPolicy: group.scaleInPolicy },
      idleStopMinutes: 0.01,
    });
    await resultWhen(account, body, (r) => r.status === 'succeeded', 'the late job to run');
    expect(await group.desired()).toBe(1);
    expect((await group.instances()).map((i) => i.id)).toEqual([host]);
  });

  it('never runs one run on two hosts at once, even when both receive its message', async () => {
    const account = await newAccount(3);
    const docker = new Docker();
    // Host A's extensions of the message never reach SQS (its route to SQS is broken; S3 works),
    // so after 3 s the message is visible again and host B receives it too.
    const broken = clients();
    broken.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ChangeMessageVisibilityCommand')
          throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
        return next(args);
      },
      { step: 'initialize', name: 'breakVisibility' },
    );
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `long:\n  img: ${IMG}\n  run: sleep 9; echo once\n` }),
    );
    const created: string[] = [];
    const events = await docker.getEvents({
      filters: JSON.stringify({
        type: ['container'],
        event: ['create'],
        label: [`dockercise.run=${body.runId}`],
      }),
    });
    events.on('data', (chunk: Buffer) => created.push(chunk.toString()));
    running.push(async () => (events as unknown as { destroy(): void }).destroy());
    start(account, {
      aws: { ...account.aws, sqs: broken.sqs },
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      visibilitySeconds: 3,
      concurrency: 1,
    });
    await sendJob(account, body);
    await eventually(async () => created.length === 1, 20_000, 'host A to start the step');
    const told: string[] = [];
    const b = {
      debug() {},
      info() {},
      error() {},
      warn: (_fields: object, message: string) => void told.push(message),
    };
    start(account, { instanceId: 'i-0bbbbbbbbbbbbbbb2', visibilitySeconds: 3, concurrency: 1, logger: b });
    const result = await resultWhen(account, body, (r) => r.status === 'succeeded', 'the run', 60_000);
    expect(result.steps[0]?.attempts ?? []).toHaveLength(0);
    // Host B received it while A ran it, found A's lease, and handed it back.
    expect(told).toContain('the run is running on another host: released until its lease runs out');
    await new Promise((r) => setTimeout(r, 1000));
    expect(created).toHaveLength(1);
    const lease = JSON.parse((await readObject(account, `runs/app/${body.runId}/lease`)) ?? '{}');
    expect(lease).toMatchObject({ holder: 'i-0aaaaaaaaaaaaaaa1', expiresAt: 0 });
  });
});
