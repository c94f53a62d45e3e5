import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoint, REGION } from '../../agent/test/aws-harness.js';
import { deployStack, launchParameters } from '../../agent/test/stack-harness.js';
import { type ControlPlane, controlPlane, signIn } from './harness.js';

/** moto keeps every resource in this one account. */
const ACCOUNT = '123456789012';

let cp: ControlPlane;
let cookie: string;
beforeAll(async () => {
  cp = controlPlane();
  cookie = await signIn(cp, { id: 4242, login: 'stacky' });
});
afterAll(() => cp.store.close());

const discover = async (as = cookie) =>
  cp.app.request(`/api/accounts/${ACCOUNT}/discover`, { method: 'POST', headers: { cookie: as } });

describe('connecting an AWS account without pasting anything', () => {
  it('finds the stack the launch link made, through the role it names, and connects the account', async () => {
    const claimed = await cp.app.request('/api/accounts', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: ACCOUNT, region: REGION }),
    });
    expect(claimed.status).toBe(201);
    const { launchUrl } = (await claimed.json()) as { launchUrl: string };
    // The stack's parameters ride after the console's `#/stacks/create/review?`.
    const externalId = new URLSearchParams(launchUrl.split('#/stacks/create/review?')[1]).get(
      'param_ExternalId',
    );
    expect(externalId).toBeTruthy();

    const listed = async () =>
      (await (await cp.app.request('/api/accounts', { headers: { cookie } })).json()) as unknown;
    expect(await listed()).toEqual({ accounts: [{ accountId: ACCOUNT, region: REGION, connected: false }] });

    // Before the stack: a stage to show, not an error.
    const before = (await (await discover()).json()) as { stage: string };
    expect(['waiting-for-stack', 'role-assumed']).toContain(before.stage);

    await deployStack('dockercise', launchParameters(externalId ?? ''));

    const connected = (await (await discover()).json()) as { stage: string; accountId?: string };
    expect(connected).toMatchObject({ stage: 'connected', accountId: ACCOUNT });
    expect(await listed()).toEqual({ accounts: [{ accountId: ACCOUNT, region: REGION, connected: true }] });
    const account = await cp.store.getAccount(ACCOUNT);
    expect(account?.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/dockercise-control-plane-${REGION}`);
    expect(account?.queueUrl).toMatch(new RegExp(`^https://sqs\\.${REGION}\\.amazonaws\\.com/${ACCOUNT}/`));

    // Its page: the hosts' own reports, the queue's depth and the stack's agent version, read
    // through the role. One host runs a job; another stopped writing an hour ago without saying
    // it stopped, so it is lost.
    const now = Date.now();
    const report = (instanceId: string, state: string, at: number, runs: string[] = []) => ({
      instanceId,
      state,
      since: new Date(at - 60_000).toISOString(),
      updatedAt: new Date(at).toISOString(),
      agentVersion: '0.1.0',
      runs,
    });
    const s3 = new S3Client({ region: REGION, endpoint: endpoint(), forcePathStyle: true });
    const busy = report('i-0aaaaaaaaaaaaaaa1', 'busy', now, ['20261128T000000Z-b05y00']);
    const gone = report('i-0aaaaaaaaaaaaaaa2', 'idle', now - 60 * 60_000);
    for (const r of [busy, gone, { not: 'a report' }])
      await s3.send(
        new PutObjectCommand({
          Bucket: account?.bucket,
          Key: `hosts/${'instanceId' in r ? r.instanceId : 'junk'}.json`,
          Body: JSON.stringify(r),
        }),
      );
    const overview = await cp.app.request(`/api/accounts/${ACCOUNT}/overview`, { headers: { cookie } });
    expect(await overview.json()).toEqual({
      accountId: ACCOUNT,
      region: REGION,
      queue: { waiting: 0, running: 0 },
      stack: { agentVersion: '0.1.0', newest: '0.1.0', behind: false, templateVersion: '2' },
      hosts: [busy, { ...gone, state: 'lost' }],
      capacity: null,
      runs: [],
    });

    // The account as registered before host groups: no group to size. A dispatch reads the
    // outputs again through the role, and the job goes out with the stack's group sized for it.
    const real = account?.hostGroup;
    expect(real).toBe('dockercise-hosts-dockercise');
    if (
      !account?.roleArn ||
      !account.queueUrl ||
      !account.deadLetterQueueUrl ||
      !account.bucket ||
      !account.logGroup
    )
      throw new Error('not registered');
    await cp.store.registerAccount(
      ACCOUNT,
      {
        roleArn: account.roleArn,
        queueUrl: account.queueUrl,
        deadLetterQueueUrl: account.deadLetterQueueUrl,
        bucket: account.bucket,
        logGroup: account.logGroup,
        hostGroup: '',
        maxHosts: 1,
        jobsPerHost: 1,
        region: REGION,
      },
      new Date().toISOString(),
    );
    const owner = await cp.store.upsertUser({ githubId: 4242, login: 'stacky', token: 'gho_stacky' });
    await cp.store.saveRepo({
      id: 99,
      fullName: 'stacky/app',
      ownerId: owner.id,
      accountId: ACCOUNT,
      webhookSecret: 'w',
      deployPrivateKey: 'k',
    });
    const run = await cp.store.recordRun({
      runId: '20261128T000000Z-5ta1e0',
      repoId: 99,
      accountId: ACCOUNT,
      pipeline: 'stacky.app',
      commit: 'a'.repeat(40),
      status: 'recorded',
      plan: { version: 1, steps: [], gates: [] },
      approvedGates: [],
      createdAt: new Date().toISOString(),
    });
    await cp.dispatcher.send(run);
    expect((await cp.store.getAccount(ACCOUNT))?.hostGroup).toBe(real);
    expect((await cp.store.getRun(run.runId))?.status).toBe('sent');
    expect((await cp.store.getAccount(ACCOUNT))?.capacityWanted).toBe(1);

    // Someone else cannot discover (or take) it, nor see its page.
    const other = await signIn(cp, { id: 4343, login: 'other' });
    expect((await discover(other)).status).toBe(404);
    expect(
      (await cp.app.request(`/api/accounts/${ACCOUNT}/overview`, { headers: { cookie: other } })).status,
    ).toBe(404);
  });
});
