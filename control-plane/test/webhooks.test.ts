import { createRequire } from 'node:module';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseSignedJob } from '@dockercise/shared/node';
import { sign } from '@octokit/webhooks-methods';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { controlPlaneKeys, eventually, inProcessAgent, queueCounts } from '../../agent/test/aws-harness.js';
import { IMG } from '../../agent/test/harness.js';
import {
  type ControlPlane,
  connectAccount,
  controlPlane,
  customerAccount,
  GITHUB_API,
  githubConnect,
  githubFiles,
  PUBLIC_URL,
  signIn,
} from './harness.js';

type Example = {
  name: string;
  examples: Array<Record<string, unknown> & { after?: string; deleted?: boolean; ref?: string }>;
};
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
) as Example[];
const pushes = examples.find((e) => e.name === 'push')?.examples ?? [];
const pings = examples.find((e) => e.name === 'ping')?.examples ?? [];
const pullRequests = examples.find((e) => e.name === 'pull_request')?.examples ?? [];
const REPO = 'Codertocat/Hello-World';
const REPO_ID = 186853002;

let cp: ControlPlane;
let account: Awaited<ReturnType<typeof customerAccount>>;
let accountId: string;
let secret: string;
let cookie: string;

beforeAll(async () => {
  if (!nock.isActive()) nock.activate();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  cp = controlPlane();
  cookie = await signIn(cp, { id: 21031067, login: 'Codertocat' });
  account = await customerAccount();
  accountId = await connectAccount(cp, cookie, account);
  const recorded: { hook?: unknown } = {};
  githubConnect(REPO, REPO_ID, recorded);
  const connected = await cp.app.request(`/api/repos/${REPO}/connect`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId }),
  });
  expect(connected.status).toBe(201);
  secret = (recorded.hook as { config: { secret: string } }).config.secret;
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.restore());

async function deliver(
  payload: unknown,
  options: {
    event?: string;
    delivery?: string;
    hook?: string;
    tamper?: 'body' | 'signature' | 'missing';
  } = {},
): Promise<Response> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  let signature = await sign(secret, body);
  if (options.tamper === 'signature')
    signature = `${signature.slice(0, -1)}${signature.endsWith('a') ? 'b' : 'a'}`;
  const sent = options.tamper === 'body' ? body.replace('Codertocat', 'Codertocau') : body;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': options.event ?? 'push',
    'x-github-delivery': options.delivery ?? crypto.randomUUID(),
    // The hook GitHub made when the repository was connected (githubConnect answers 501).
    'x-github-hook-id': options.hook ?? '501',
  };
  if (options.tamper !== 'missing') headers['x-hub-signature-256'] = signature;
  return cp.app.request('/webhooks/github', { method: 'POST', headers, body: sent });
}

async function drainQueue(): Promise<string[]> {
  const { Messages } = await account.aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: account.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (Messages ?? []).map((m) => m.Body ?? '');
}

describe('GitHub webhooks', () => {
  it("accepts GitHub's ping", async () => {
    expect(pings.length).toBeGreaterThan(0);
    for (const ping of pings) {
      const response = await deliver(
        { ...ping, repository: { id: REPO_ID, full_name: REPO } },
        { event: 'ping' },
      );
      expect(response.status).toBe(200);
    }
  });

  it('rejects a flipped byte in the body or the signature, or no signature, with 401', async () => {
    const push = pushes.find((p) => !p.deleted) ?? {};
    for (const tamper of ['body', 'signature', 'missing'] as const) {
      const response = await deliver(push, { tamper });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'missing or invalid signature' });
    }
    expect(await cp.store.pendingBuilds(new Date().toISOString())).toEqual([]);
  });

  it('checks the signature before reading the body: an unknown hook or a bad signature is 401, even for garbage', async () => {
    const push = pushes.find((p) => !p.deleted) ?? {};
    expect((await deliver(push, { hook: '999' })).status).toBe(401);
    expect((await deliver(push, { hook: 'not-a-number' })).status).toBe(401);
    // Not JSON and not signed by the repository's secret: refused as unsigned, never parsed.
    const garbage = await deliver('{"not json', { tamper: 'signature' });
    expect(garbage.status).toBe(401);
    // Signed but not JSON: only now is it read, and refused as such.
    expect((await deliver('{"not json')).status).toBe(400);
  });

  it('answers 413 to a body larger than GitHub sends, without building anything', async () => {
    const huge = 'x'.repeat(25 * 1024 * 1024 + 1);
    const response = await deliver(huge);
    expect(response.status).toBe(413);
    expect(await cp.store.pendingBuilds(new Date().toISOString())).toEqual([]);
  });

  it('builds a captured delivery replayed under a new delivery id only once', async () => {
    const commit = 'e'.repeat(40);
    githubFiles(REPO, commit, { 'ci.dockercise.yaml': `ok:\n  img: ${IMG}\n  run: "true"\n` });
    const push = { ref: 'refs/heads/replayed', after: commit, repository: { id: REPO_ID, full_name: REPO } };
    expect((await deliver(push)).status).toBe(202);
    const again = await deliver(push, { delivery: crypto.randomUUID() });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: expect.any(String) });
    await cp.idle();
    await drainQueue();
    const runs = await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 50);
    expect(runs.filter((r) => r.commit === commit)).toHaveLength(1);
  });

  it('refuses a pipeline file past the size limit from the tree alone, fetching no blob', async () => {
    const commit = '8'.repeat(40);
    const tree = nock('https://api.github.com')
      .get(`/repos/${REPO}/git/trees/${commit}`)
      .query({ recursive: '1' })
      .reply(200, {
        truncated: false,
        tree: [{ path: 'big.dockercise.yaml', type: 'blob', sha: 'f'.repeat(40), size: 300 * 1024 }],
      });
    const blob = nock('https://api.github.com')
      .get(/\/git\/blobs\//)
      .reply(200, {});
    const push = { ref: 'refs/heads/big', after: commit, repository: { id: REPO_ID, full_name: REPO } };
    expect((await deliver(push)).status).toBe(202);
    await cp.idle();
    expect(tree.isDone()).toBe(true);
    expect(blob.isDone()).toBe(false);
    const run = (await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 50)).find(
      (r) => r.commit === commit,
    );
    expect(run).toMatchObject({
      status: 'invalid',
      errors: [
        'big.dockercise.yaml:1:1: the file is 300 KiB; a pipeline file may be at most 256 KiB\n  hint: split it into several *.dockercise.yaml files',
      ],
    });
  });

  it('ignores branch and tag deletions', async () => {
    const deletions = pushes.filter((p) => p.deleted);
    expect(deletions.length).toBeGreaterThan(0);
    for (const push of deletions) {
      const response = await deliver(push);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ ignored: 'branch deletion' });
    }
  });

  it('turns a real push into a signed job that the agent verifies and runs; a redelivery runs nothing', async () => {
    const push = pushes.find((p) => !p.deleted && p.ref === 'refs/heads/master') ?? {};
    const commit = String(push.after);
    githubFiles(REPO, commit, {
      'ci/build.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built $DOCKERCISE_PIPELINE\n`,
      'deploy.dockercise.yml': `ship:\n  img: ${IMG}\n  run: cat {build}\n`,
    });
    const delivery = crypto.randomUUID();
    const repoReads = [vi.spyOn(cp.store, 'getRepoByHookId'), vi.spyOn(cp.store, 'getRepo')];
    const started = Date.now();
    const response = await deliver(push, { delivery });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(202);
    await cp.idle();
    // From the hook's id to the job on the queue, the delivery reads its repository at most once
    // (not at all when a delivery of the last seconds read it: hook-repos.ts).
    expect(repoReads[0]?.mock.calls.length).toBeLessThanOrEqual(1);
    expect(repoReads[1]?.mock.calls.length).toBe(0);
    for (const read of repoReads) read.mockRestore();
    expect(await deliver(push, { delivery })).toSatisfy((r: Response) => r.status === 200);

    const [message, ...more] = await drainQueue();
    expect(more).toEqual([]);
    const parsed = parseSignedJob(message ?? '', controlPlaneKeys.publicKey);
    if (!parsed.ok) throw new Error(parsed.reason);
    const job = parsed.message.job;
    // The default branch too, whose caches a run of another branch reads after its own.
    expect(job.source).toEqual({ repository: REPO, commit, branch: 'master', defaultBranch: 'master' });
    expect(job.plan?.steps.map((s) => s.name)).toEqual(['build', 'ship']);
    expect(job.checkout?.url).toBe(`git@github.com:${REPO}.git`);
    expect(job.checkout?.deployKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    // The files the push changed, from its commits, for `when: { paths }` filters.
    const commits = (push.commits ?? []) as Array<{ added: string[]; removed: string[]; modified: string[] }>;
    const changed = [...new Set(commits.flatMap((c) => [...c.added, ...c.removed, ...c.modified]))].sort();
    expect(job.changed).toEqual(commits.length > 0 ? changed : undefined);
    expect(job.event).toBe('push');
    // Bound to this account's queue, for a day.
    expect(job.accountId).toBe(accountId);
    expect(job.queue).toBe(`arn:aws:sqs:us-east-1:${accountId}:${account.queueUrl.split('/').pop()}`);
    expect(Date.parse(job.expiresAt) - Date.parse(job.issuedAt)).toBe(24 * 60 * 60 * 1000);
    // The group had no host; the dispatch asked it for one.
    expect(await account.group.desired()).toBe(1);
    expect((await cp.store.getAccount(accountId))?.capacityWanted).toBe(1);

    // GitHub hears the run is queued, on the pushed commit, linked to its page.
    const statuses: Array<{ state: string; description: string; target_url: string; context: string }> = [];
    nock(GITHUB_API)
      .post(`/repos/${REPO}/statuses/${commit}`)
      .times(10)
      .reply(201, (_uri, body) => {
        statuses.push(body as (typeof statuses)[number]);
        return {};
      });
    await cp.statuses.pass();
    expect(statuses).toEqual([
      {
        state: 'pending',
        description: 'queued: waiting for an agent',
        context: 'dockercise',
        target_url: `${PUBLIC_URL}/results/${accountId}/Codertocat.Hello-World/${job.runId}`,
      },
    ]);

    // The agent from the customer's stack verifies the job and runs it.
    await account.aws.sqs.send(
      new (await import('@aws-sdk/client-sqs')).SendMessageCommand({
        QueueUrl: account.queueUrl,
        MessageBody: message ?? '',
      }),
    );
    const agent = inProcessAgent(account);
    const running = agent.run();
    try {
      const url = `/api/results/${accountId}/Codertocat.Hello-World/${job.runId}`;
      const result = await eventually(
        async () => {
          const r = (await (await cp.app.request(url, { headers: { cookie } })).json()) as {
            status: string;
            steps: Array<{ status: string }>;
          };
          return r.status === 'succeeded' ? r : undefined;
        },
        60_000,
        'the run to succeed',
      );
      expect(result.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
      const log = (await (await cp.app.request(`${url}/logs/ship`, { headers: { cookie } })).json()) as {
        source: string;
        lines: string[];
      };
      expect(log.source).toBe('s3');
      expect(log.lines.map((l) => l.slice(29))).toEqual(['built Codertocat.Hello-World']);
      // Within the reporter's slowest interval of the end, GitHub hears the run passed.
      await eventually(
        async () => {
          await cp.statuses.pass();
          return statuses.at(-1)?.state === 'success' ? true : undefined;
        },
        12_000,
        'the success status',
      );
      expect(statuses.at(-1)).toMatchObject({ state: 'success', description: '2 steps passed' });
      const sent = statuses.length;
      await cp.statuses.pass();
      expect(statuses).toHaveLength(sent); // a final status is sent once
    } finally {
      agent.shutdown();
      agent.shutdown();
      await running;
    }
    const runs = await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 10);
    expect(runs.filter((r) => r.deliveryId === delivery)).toHaveLength(1);
    // The runs list says what the commit was and who pushed it, from the payload.
    const listed = (await (
      await cp.app.request(`/api/results/${accountId}/Codertocat.Hello-World`, { headers: { cookie } })
    ).json()) as { runs: Array<{ runId: string; message?: string; triggeredBy?: string }> };
    const pushCommit = push.head_commit as { message: string } | null;
    const sender = push.sender as { login: string };
    expect(listed.runs.find((r) => r.runId === job.runId)).toMatchObject({
      ...(pushCommit ? { message: pushCommit.message.split('\n')[0] } : {}),
      triggeredBy: `push by ${sender.login}`,
    });
  });

  it("holds a fork's pull request until the owner allows it, then sends it as a pull_request", async () => {
    const opened = structuredClone(pullRequests.find((p) => p.action === 'opened') ?? {}) as {
      pull_request: { head: { sha: string; repo: { full_name: string } | null } };
    };
    opened.pull_request.head.repo = { full_name: 'stranger/Hello-World' };
    const sha = opened.pull_request.head.sha;
    githubFiles(REPO, sha, { 'ci.dockercise.yaml': `test:\n  img: ${IMG}\n  run: cat /etc/hostname\n` });
    await drainQueue();
    const answer = await deliver(opened, { event: 'pull_request' });
    expect(await answer.json()).toMatchObject({ accepted: expect.any(String) });
    await cp.idle();
    const [run] = (await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 50)).filter(
      (r) => r.commit === sha,
    );
    expect(run).toMatchObject({ status: 'recorded', held: true, event: 'pull_request' });
    await cp.reconciler.pass();
    expect(await drainQueue()).toEqual([]); // nothing runs a stranger's code unasked

    const statuses: Array<{ state: string; description: string }> = [];
    nock(GITHUB_API)
      .post(`/repos/${REPO}/statuses/${sha}`)
      .times(5)
      .reply(201, (_uri, body) => {
        statuses.push(body as (typeof statuses)[number]);
        return {};
      });
    await cp.statuses.pass();
    expect(statuses).toEqual([
      expect.objectContaining({
        state: 'pending',
        description: "waiting for approval: a fork's pull request runs once the owner allows it",
      }),
    ]);
    const page = `/api/results/${accountId}/Codertocat.Hello-World/${run?.runId}`;
    expect(await (await cp.app.request(page, { headers: { cookie } })).json()).toMatchObject({ held: true });

    const released = await cp.app.request(`${page}/release`, { method: 'POST', headers: { cookie } });
    expect(released.status).toBe(202);
    const [message, ...more] = await drainQueue();
    expect(more).toEqual([]);
    const parsed = parseSignedJob(message ?? '', controlPlaneKeys.publicKey);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.job).toMatchObject({
      event: 'pull_request',
      // Let go, it is still a fork's: its steps get no AWS role.
      fork: true,
      source: { commit: sha, branch: 'master' },
      // The fork's commit is on no branch of the repository: steps fetch it by the pull's ref.
      checkout: { url: `git@github.com:${REPO}.git`, commit: sha, ref: 'refs/pull/2/head' },
    });
    const again = await cp.app.request(`${page}/release`, { method: 'POST', headers: { cookie } });
    expect(again.status).toBe(409);
  });

  it('does nothing visible for a push to a branch without pipeline files', async () => {
    const commit = 'e'.repeat(40);
    githubFiles(REPO, commit, { 'README.md': '# hello\n' });
    const before = await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 100);
    const response = await deliver({
      ...pushes.find((p) => !p.deleted && p.ref === 'refs/heads/master'),
      after: commit,
    });
    expect(response.status).toBe(202);
    await cp.idle();
    const after = await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 100);
    expect(after.map((r) => r.commit)).toEqual(before.map((r) => r.commit));
  });

  it('makes an invalid pipeline a failed run with file:line errors, and sends nothing', async () => {
    const commit = 'f'.repeat(40);
    githubFiles(REPO, commit, { 'bad.dockercise.yaml': `broken:\n  imgg: ${IMG}\n  run: echo {nope}\n` });
    const response = await deliver({
      ref: 'refs/heads/feature',
      after: commit,
      repository: { id: REPO_ID, full_name: REPO },
    });
    expect(response.status).toBe(202);
    await cp.idle();
    const run = (await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 50)).find(
      (r) => r.commit === commit,
    );
    expect(run?.status).toBe('invalid');
    const result = (await (
      await cp.app.request(`/api/results/${accountId}/Codertocat.Hello-World/${run?.runId}`, {
        headers: { cookie },
      })
    ).json()) as {
      status: string;
      error: string;
    };
    expect(result.status).toBe('failed');
    expect(result.error.split('\n').filter((l) => !l.startsWith('  hint'))).toEqual([
      'bad.dockercise.yaml:2:3: unknown field "imgg" in step "broken"',
      'bad.dockercise.yaml:3:13: {nope} names no step',
    ]);
    expect(await drainQueue()).toEqual([]);
  });

  it("defers a build until GitHub's rate limit resets, then builds it", async () => {
    const commit = 'e'.repeat(40);
    const reset = Math.floor(Date.now() / 1000) + 2;
    nock(GITHUB_API)
      .get(`/repos/${REPO}/git/trees/${commit}`)
      .query(true)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      );
    const delivery = crypto.randomUUID();
    await deliver(
      { ref: 'refs/heads/main', after: commit, repository: { id: REPO_ID, full_name: REPO } },
      { delivery },
    );
    await cp.idle();
    expect(await cp.store.pendingBuilds(new Date().toISOString())).toEqual([]);
    const [deferred] = await cp.store.pendingBuilds(new Date((reset + 1) * 1000).toISOString());
    expect(deferred).toMatchObject({ deliveryId: delivery, notBefore: new Date(reset * 1000).toISOString() });

    githubFiles(REPO, commit, { 'a.dockercise.yaml': `a:\n  img: ${IMG}\n  run: "true"\n` });
    await new Promise((r) => setTimeout(r, Math.max(0, reset * 1000 - Date.now() + 100)));
    await cp.reconciler.pass();
    expect(
      (await cp.store.listRuns(accountId, 'Codertocat.Hello-World', 50)).find((r) => r.commit === commit)
        ?.status,
    ).toBe('sent');
    expect(await drainQueue()).toHaveLength(1);
  });

  it('a crash between recording a run and sending it: the reconciler sends it once', async () => {
    const before = await queueCounts(account, account.queueUrl);
    await cp.store.recordRun({
      runId: '20261126T000000Z-c0ffee',
      repoId: REPO_ID,
      accountId,
      pipeline: 'Codertocat.Hello-World',
      commit: 'd'.repeat(40),
      status: 'recorded',
      plan: { version: 1, steps: [], gates: [] },
      approvedGates: [],
      createdAt: new Date(Date.now() - 60_000).toISOString(),
    });
    await Promise.all([cp.reconciler.pass(), cp.reconciler.pass()]);
    await cp.reconciler.pass();
    expect((await cp.store.getRun('20261126T000000Z-c0ffee'))?.status).toBe('sent');
    const after = await queueCounts(account, account.queueUrl);
    expect(after.visible - before.visible).toBe(1);
    await drainQueue();
  });

  it('sends a plan too large for a message as an S3 object with a signed digest', async () => {
    // Within the limits (500 steps, 256 KiB a file) and still past what a message holds.
    const steps = (from: number) =>
      Array.from(
        { length: 250 },
        (_, i) => `step-${from + i}:\n  img: ${IMG}\n  run: echo ${'x'.repeat(700)} ${i}\n`,
      ).join('');
    const commit = '9'.repeat(40);
    githubFiles(REPO, commit, { 'big.dockercise.yaml': steps(0), 'more.dockercise.yaml': steps(250) });
    await deliver({ ref: 'refs/heads/main', after: commit, repository: { id: REPO_ID, full_name: REPO } });
    await cp.idle();
    const [message] = await drainQueue();
    expect(Buffer.byteLength(message ?? '')).toBeLessThan(256 * 1024);
    const parsed = parseSignedJob(message ?? '', controlPlaneKeys.publicKey);
    if (!parsed.ok) throw new Error(parsed.reason);
    const pointer = parsed.message.job.planPointer;
    expect(pointer?.key).toBe(`plans/${parsed.message.job.runId}.json`);
    const object = await account.aws.s3.send(
      new GetObjectCommand({ Bucket: account.bucket, Key: pointer?.key }),
    );
    const text = (await object.Body?.transformToString()) ?? '';
    expect(JSON.parse(text).steps).toHaveLength(500);
    const { sha256Hex } = await import('@dockercise/shared/node');
    expect(sha256Hex(text)).toBe(pointer?.sha256);
  });
});
