import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bindAwsResources } from '../../agent/test/aws-call-bindings.js';
import { eventually, inProcessAgent } from '../../agent/test/aws-harness.js';
import { IMG } from '../../agent/test/harness.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import {
  awsQueueUrl,
  type ControlPlane,
  connectAccount,
  controlPlane,
  customerAccount,
  GITHUB_API,
  GITHUB_WEB,
  githubConnect,
  githubFiles,
  PUBLIC_URL,
  signIn,
  stackOutputs,
} from './harness.js';

let cp: ControlPlane;
beforeAll(() => {
  if (!nock.isActive()) nock.activate();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  cp = controlPlane();
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.restore());

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('sign-in with GitHub', () => {
  it('redirects to GitHub with a state bound to the browser, and refuses a callback with another state', async () => {
    const login = await cp.app.request('/auth/login');
    expect(login.status).toBe(302);
    const location = new URL(login.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${GITHUB_WEB}/login/oauth/authorize`);
    expect(location.searchParams.get('redirect_uri')).toBe('https://dockercise.test/auth/callback');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^dockercise_oauth_state=.+; Max-Age=600; Path=\/auth; HttpOnly; Secure; SameSite=Lax$/,
    );
    const forged = await cp.app.request('/auth/callback?code=x&state=forged', {
      headers: { cookie: cookie.split(';')[0] ?? '' },
    });
    expect(forged.status).toBe(403);
    const none = await cp.app.request(`/auth/callback?code=x&state=${location.searchParams.get('state')}`);
    expect(none.status).toBe(403);
  });

  it('signs in with a signed, HttpOnly, SameSite, Secure session cookie', async () => {
    const cookie = await signIn(cp, { id: 1, login: 'octocat' });
    expect(await (await cp.app.request('/auth/me', { headers: { cookie } })).json()).toEqual({
      login: 'octocat',
    });
    const tampered = cookie.replace(/^__Host-dockercise_session=1\./, '__Host-dockercise_session=2.');
    expect((await cp.app.request('/auth/me', { headers: { cookie: tampered } })).status).toBe(401);
    expect((await cp.app.request('/auth/me')).status).toBe(401);
  });

  it('signing out ends the session everywhere: a copy of the cookie stops working', async () => {
    const cookie = await signIn(cp, { id: 77, login: 'leaver' });
    const copy = cookie;
    expect((await cp.app.request('/auth/me', { headers: { cookie: copy } })).status).toBe(200);
    const out = await cp.app.request('/auth/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await cp.app.request('/auth/me', { headers: { cookie: copy } })).status).toBe(401);
    // Signing in again works, with a new session.
    const again = await signIn(cp, { id: 77, login: 'leaver' });
    expect((await cp.app.request('/auth/me', { headers: { cookie: again } })).status).toBe(200);
  });

  it('asks GitHub for the repo scope only', async () => {
    const login = await cp.app.request('/auth/login');
    expect(new URL(login.headers.get('location') ?? '').searchParams.get('scope')).toBe('repo');
  });

  it('comes back to the viewer page the sign-in started from, and never to another site', async () => {
    const signInFrom = async (back: string) => {
      const login = await cp.app.request(`/auth/login?return=${encodeURIComponent(back)}`);
      const state = new URL(login.headers.get('location') ?? '').searchParams.get('state');
      nock(GITHUB_WEB).post('/login/oauth/access_token').reply(200, { access_token: 'gho_back' });
      nock(GITHUB_API).get('/user').reply(200, { id: 77, login: 'back' });
      const callback = await cp.app.request(`/auth/callback?code=c&state=${state}`, {
        headers: { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' },
      });
      return callback.headers.get('location');
    };
    expect(await signInFrom('/results/123456789012/app/20261128T000000Z-abcdef')).toBe(
      '/results/123456789012/app/20261128T000000Z-abcdef',
    );
    expect(await signInFrom('https://evil.example/results/')).toBe('/results/');
    expect(await signInFrom('//evil.example/results/')).toBe('/results/');
    expect(await signInFrom('/results/../auth/logout')).toBe('/results/');
    // Encoded, the same: a dot or slash that decodes after the check.
    expect(await signInFrom('/results/%2e%2e/auth/logout')).toBe('/results/');
    expect(await signInFrom('/results/%2F%2Fevil.example')).toBe('/results/');
  });

  it('keeps its session cookie to this host, and refuses changes from another origin or not in JSON', async () => {
    const login = await cp.app.request('/auth/login');
    const state = new URL(login.headers.get('location') ?? '').searchParams.get('state');
    nock(GITHUB_WEB).post('/login/oauth/access_token').reply(200, { access_token: 'gho_csrf' });
    nock(GITHUB_API).get('/user').reply(200, { id: 78, login: 'csrf' });
    const callback = await cp.app.request(`/auth/callback?code=c&state=${state}`, {
      headers: { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' },
    });
    const set = (callback.headers.getSetCookie?.() ?? []).find((c) =>
      c.startsWith('__Host-dockercise_session='),
    );
    expect(set).toMatch(/; Path=\/; /);
    expect(set).toMatch(/; Secure/);
    expect(set).not.toMatch(/Domain=/i);
    const cookie = set?.split(';')[0] ?? '';
    const create = (
      headers: Record<string, string>,
      body = JSON.stringify({ accountId: '210987654321', region: 'us-east-1' }),
    ) => cp.app.request('/api/accounts', { method: 'POST', headers: { cookie, ...headers }, body });
    // A sibling subdomain is same-site for SameSite=Lax, but not this origin.
    const sibling = await create({
      origin: 'https://evil.dockercise.test',
      'content-type': 'application/json',
    });
    expect(sibling.status).toBe(403);
    // A form or a no-preflight fetch can send text/plain: it is not taken as JSON.
    expect((await create({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await create({ origin: PUBLIC_URL, 'content-type': 'application/json' })).status).toBe(201);
  });

  it('reports a refused OAuth code', async () => {
    const login = await cp.app.request('/auth/login');
    const state = new URL(login.headers.get('location') ?? '').searchParams.get('state');
    nock(GITHUB_WEB).post('/login/oauth/access_token').reply(200, {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
    const callback = await cp.app.request(`/auth/callback?code=old&state=${state}`, {
      headers: { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' },
    });
    expect(callback.status).toBe(401);
    expect(await callback.json()).toEqual({
      error: 'GitHub refused the OAuth code: The code passed is incorrect or expired.',
    });
  });
});

describe('repositories, accounts and results', () => {
  let owner: string;
  let stranger: string;
  let account: Awaited<ReturnType<typeof customerAccount>>;
  let accountId: string;

  beforeAll(async () => {
    owner = await signIn(cp, { id: 10, login: 'owner' });
    stranger = await signIn(cp, { id: 20, login: 'stranger' });
    account = await customerAccount();
    accountId = await connectAccount(cp, owner, account);
  });

  it('gives a launch link with a fresh ExternalId, and verifies the account by assuming its role', async () => {
    const created = await cp.app.request('/api/accounts', {
      ...json({ accountId: '210987654321', region: 'eu-west-1' }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { launchUrl } = (await created.json()) as { launchUrl: string };
    const query = new URLSearchParams(launchUrl.split('#/stacks/create/review?')[1]);
    expect(
      launchUrl.startsWith(
        'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/create/review?',
      ),
    ).toBe(true);
    expect(query.get('param_ExternalId')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('param_ControlPlaneRoleArn')).toBe(
      'arn:aws:iam::111122223333:role/dockercise-control-plane',
    );
    expect(query.get('param_AgentTarballSha256')).toBe('a'.repeat(64));
    expect(query.get('param_AgentTarballUrl')).toBe(
      'https://dockercise.test/agent/dockercise-agent-0.1.0.tgz',
    );
    const registered = await cp.store.getAccount(accountId);
    expect(registered?.verifiedAt).toBeDefined();
    // Someone else cannot see or take the account.
    const taken = await cp.app.request('/api/accounts', {
      ...json({ accountId, region: 'us-east-1' }),
      headers: { cookie: stranger, 'content-type': 'application/json' },
    });
    expect(taken.status).toBe(409);
  });

  it('lets nobody squat an account: claims are per user, with their own ExternalId, and expire', async () => {
    const claim = async (cookie: string) => {
      const response = await cp.app.request('/api/accounts', {
        ...json({ accountId: '333344445555', region: 'us-east-1' }),
        headers: { cookie, 'content-type': 'application/json' },
      });
      expect(response.status).toBe(201);
      const { launchUrl } = (await response.json()) as { launchUrl: string };
      return new URLSearchParams(launchUrl.split('?').pop()).get('param_ExternalId');
    };
    const mine = await claim(owner);
    const theirs = await claim(stranger);
    expect(mine).not.toBe(theirs);
    // Asking again keeps the ExternalId a stack may already be created with.
    expect(await claim(owner)).toBe(mine);
    // A claim proves nothing: the account has no owner until a role verifies it.
    expect(await cp.store.getAccount('333344445555')).toBeUndefined();

    const later = controlPlane(cp.dbPath, { now: () => new Date(Date.now() + 25 * 60 * 60 * 1000) });
    const expired = await later.app.request('/api/accounts/333344445555', {
      ...json({}),
      method: 'PUT',
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    expect(expired.status).toBe(409);
    expect(((await expired.json()) as { error: string }).error).toContain('expired');
    later.store.close();
  });

  it('accepts only SQS queue URLs of the account, and a bucket it can reach, before saving', async () => {
    const register = (outputs: Record<string, string>) =>
      cp.app.request(`/api/accounts/${accountId}`, {
        ...json({ ...stackOutputs(account), ...outputs }),
        method: 'PUT',
        headers: { cookie: owner, 'content-type': 'application/json' },
      });
    const ssrf = await register({ QueueUrl: 'http://169.254.169.254/latest/meta-data' });
    expect(ssrf.status).toBe(400);
    expect(((await ssrf.json()) as { error: string }).error).toMatch(
      /^QueueUrl must be an SQS queue of account/,
    );
    expect((await register({ BucketName: 'Not_A_Bucket' })).status).toBe(400);
    // Named as the job queue: the IAM test evaluates the check registration makes on it.
    bindAwsResources({ 'no-such-queue': 'JobQueue' });
    const missing = await register({
      QueueUrl: `https://sqs.us-east-1.amazonaws.com/${accountId}/no-such-queue`,
    });
    expect(missing.status).toBe(400);
    expect((await cp.store.getAccount(accountId))?.queueUrl).toBe(awsQueueUrl(account.queueUrl));
    expect((await register({})).status).toBe(200);
  });

  it('lists repositories, connects one with a JSON push hook and a read-only Ed25519 deploy key, and disconnects it', async () => {
    nock(GITHUB_API)
      .get('/user/repos')
      .query(true)
      .reply(200, [{ id: 7, full_name: 'owner/app', private: true }]);
    const listed = await cp.app.request('/api/repos', { headers: { cookie: owner } });
    expect(await listed.json()).toEqual({
      repos: [{ id: 7, fullName: 'owner/app', private: true, connected: false, admin: false }],
    });

    const recorded: { hook?: unknown; key?: unknown } = {};
    githubConnect('owner/app', 7, recorded);
    const connected = await cp.app.request('/api/repos/owner/app/connect', {
      ...json({ accountId }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    expect(connected.status).toBe(201);
    expect(recorded.hook).toMatchObject({
      name: 'web',
      active: true,
      events: ['push', 'pull_request'],
      config: { url: 'https://dockercise.test/webhooks/github', content_type: 'json', insecure_ssl: '0' },
    });
    expect((recorded.hook as { config: { secret: string } }).config.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(recorded.key).toMatchObject({ read_only: true, title: 'dockercise (read-only)' });
    expect((recorded.key as { key: string }).key).toMatch(
      /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\S+ dockercise owner\/app$/,
    );

    // Connecting again removes the old hook and key before making new ones.
    const removed = [
      nock(GITHUB_API).delete('/repos/owner/app/hooks/501').reply(204),
      nock(GITHUB_API).delete('/repos/owner/app/keys/601').reply(204),
    ];
    githubConnect('owner/app', 7, {});
    const again = await cp.app.request('/api/repos/owner/app/connect', {
      ...json({ accountId }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    expect(again.status).toBe(201);
    expect(removed.every((scope) => scope.isDone())).toBe(true);

    // The stranger can neither disconnect it nor see its account's results.
    expect(
      (await cp.app.request('/api/repos/owner/app', { method: 'DELETE', headers: { cookie: stranger } }))
        .status,
    ).toBe(404);

    nock(GITHUB_API).delete('/repos/owner/app/hooks/501').reply(204);
    nock(GITHUB_API).delete('/repos/owner/app/keys/601').reply(404, { message: 'Not Found' });
    expect(
      (await cp.app.request('/api/repos/owner/app', { method: 'DELETE', headers: { cookie: owner } })).status,
    ).toBe(204);
    expect(nock.isDone()).toBe(true);
    expect(await cp.store.getRepo(7)).toBeUndefined();
  });

  it("maps GitHub's 401, 404 and rate limit to clear answers", async () => {
    nock(GITHUB_API).get('/user/repos').query(true).reply(401, { message: 'Bad credentials' });
    const unauthorised = await cp.app.request('/api/repos', { headers: { cookie: owner } });
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toEqual({
      error: 'GitHub refused the token (GET /user/repos): reconnect GitHub',
    });

    nock(GITHUB_API).get('/user/repos').query(true).reply(200, []);
    const missing = await cp.app.request('/api/repos/owner/ghost/connect', {
      ...json({ accountId }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(404);

    const reset = Math.floor(Date.now() / 1000) + 120;
    nock(GITHUB_API)
      .get('/user/repos')
      .query(true)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      );
    const limited = await cp.app.request('/api/repos', { headers: { cookie: owner } });
    expect(limited.status).toBe(503);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(100);
  });

  it('approves a human-click gate (who and when recorded), sends the continuation, and the agent finishes the run', async () => {
    const recorded: { hook?: unknown } = {};
    githubConnect('owner/gated', 8, recorded);
    await cp.app.request('/api/repos/owner/gated/connect', {
      ...json({ accountId }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    const secret = (recorded.hook as { config: { secret: string } }).config.secret;
    const commit = 'a'.repeat(40);
    githubFiles('owner/gated', commit, {
      'build.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built\n`,
      'deploy.dockercise.yaml': `after: human-click\ndeploy:\n  img: ${IMG}\n  run: echo deploying $(cat {build})\n`,
    });
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: commit,
      repository: { id: 8, full_name: 'owner/gated' },
    });
    const { signWebhook } = await import('../src/crypto/webhook-signature.js');
    await cp.app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': crypto.randomUUID(),
        'x-github-hook-id': '501',
        'x-hub-signature-256': signWebhook(secret, body),
      },
      body,
    });
    await cp.idle();
    const [run] = await cp.store.listRuns(accountId, 'owner.gated', 1);
    const base = `/api/results/${accountId}/owner.gated/${run?.runId}`;

    const agent = inProcessAgent(account);
    const serving = agent.run();
    try {
      const waiting = await eventually(
        async () => {
          const r = (await (await cp.app.request(base, { headers: { cookie: owner } })).json()) as {
            status: string;
            gates: unknown[];
          };
          return r.status === 'waiting-approval' ? r : undefined;
        },
        60_000,
        'the run to wait at its gate',
      );
      expect(waiting.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'waiting' }]);
      // A step not begun has no stored log: its live one is read from CloudWatch, empty so far.
      const live = await cp.app.request(`${base}/logs/deploy`, { headers: { cookie: owner } });
      expect(await live.json()).toEqual({ source: 'cloudwatch', lines: [], complete: false });

      expect(
        (
          await cp.app.request(`${base}/gates/deploy.dockercise.yaml/approve`, {
            method: 'POST',
            headers: { cookie: stranger },
          })
        ).status,
      ).toBe(404);
      const approved = await cp.app.request(`${base}/gates/deploy.dockercise.yaml/approve`, {
        method: 'POST',
        headers: { cookie: owner },
      });
      expect(approved.status).toBe(202);
      expect(await approved.json()).toMatchObject({ gate: 'deploy.dockercise.yaml', approvedBy: 'owner' });

      const done = await eventually(
        async () => {
          const r = (await (await cp.app.request(base, { headers: { cookie: owner } })).json()) as {
            status: string;
            gates: Array<Record<string, string>>;
          };
          return r.status === 'succeeded' ? r : undefined;
        },
        60_000,
        'the run to finish after approval',
      );
      expect(done.gates[0]).toMatchObject({
        name: 'deploy.dockercise.yaml',
        status: 'approved',
        approvedBy: 'owner',
      });
      const log = (await (
        await cp.app.request(`${base}/logs/deploy`, { headers: { cookie: owner } })
      ).json()) as { lines: string[] };
      expect(log.lines.map((l) => l.slice(29))).toEqual(['deploying built']);
    } finally {
      agent.shutdown();
      agent.shutdown();
      await serving;
    }
  });

  it("serves a step's artifact as a short presigned link to the customer's bucket, and only what it kept", async () => {
    const recorded: { hook?: unknown } = {};
    githubConnect('owner/kept', 9, recorded, 502);
    await cp.app.request('/api/repos/owner/kept/connect', {
      ...json({ accountId }),
      headers: { cookie: owner, 'content-type': 'application/json' },
    });
    const secret = (recorded.hook as { config: { secret: string } }).config.secret;
    const commit = 'c'.repeat(40);
    githubFiles('owner/kept', commit, {
      'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  artifacts: [dist/*]\n  run: mkdir -p dist && echo the build > dist/app.txt\n`,
    });
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: commit,
      repository: { id: 9, full_name: 'owner/kept' },
    });
    const { signWebhook } = await import('../src/crypto/webhook-signature.js');
    await cp.app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': crypto.randomUUID(),
        'x-github-hook-id': '502',
        'x-hub-signature-256': signWebhook(secret, body),
      },
      body,
    });
    await cp.idle();
    const [run] = await cp.store.listRuns(accountId, 'owner.kept', 1);
    const base = `/api/results/${accountId}/owner.kept/${run?.runId}`;
    const agent = inProcessAgent(account);
    const serving = agent.run();
    try {
      const finished = await eventually(
        async () => {
          const r = (await (await cp.app.request(base, { headers: { cookie: owner } })).json()) as {
            status: string;
            steps?: unknown;
          };
          return ['succeeded', 'failed'].includes(r.status) ? r : undefined;
        },
        60_000,
        'the run to finish',
      );
      expect(finished.status, JSON.stringify(finished)).toBe('succeeded');
      const link = await cp.app.request(`${base}/artifacts/build/dist/app.txt`, {
        headers: { cookie: owner },
      });
      expect(link.status).toBe(302);
      const location = link.headers.get('location') ?? '';
      expect(location).toContain('X-Amz-Expires=300');
      // The bytes come from the bucket itself, not through the control plane.
      const download = await fetch(location);
      expect(download.status).toBe(200);
      expect(await download.text()).toBe('the build\n');
      // What it did not keep, a path out of it, and someone else's run are not served.
      expect(
        (await cp.app.request(`${base}/artifacts/build/dist/other.txt`, { headers: { cookie: owner } }))
          .status,
      ).toBe(404);
      expect(
        (await cp.app.request(`${base}/artifacts/build/..%2Fresult.json`, { headers: { cookie: owner } }))
          .status,
      ).toBe(404);
      expect(
        (await cp.app.request(`${base}/artifacts/build/dist/app.txt`, { headers: { cookie: stranger } }))
          .status,
      ).toBe(404);
    } finally {
      agent.shutdown();
      await serving;
    }
  });

  it('cancels a run by writing the marker the agent watches, and keeps results to their owner', async () => {
    const [run] = await cp.store.listRuns(accountId, 'owner.gated', 1);
    const base = `/api/results/${accountId}/owner.gated/${run?.runId}`;
    expect(
      (await cp.app.request(`${base}/cancel`, { method: 'POST', headers: { cookie: stranger } })).status,
    ).toBe(404);
    expect((await cp.app.request(base, { headers: { cookie: stranger } })).status).toBe(404);
    expect((await cp.app.request(base)).status).toBe(401);
    expect(
      (await cp.app.request(`/api/results/${accountId}/owner.gated`, { headers: { cookie: stranger } }))
        .status,
    ).toBe(404);
    const list = (await (
      await cp.app.request(`/api/results/${accountId}/owner.gated`, { headers: { cookie: owner } })
    ).json()) as { runs: unknown[] };
    expect(list.runs).toHaveLength(1);

    expect(
      (await cp.app.request(`${base}/cancel`, { method: 'POST', headers: { cookie: owner } })).status,
    ).toBe(202);
    const marker = await account.aws.s3.send(
      new HeadObjectCommand({ Bucket: account.bucket, Key: `runs/owner.gated/${run?.runId}/cancel` }),
    );
    expect(marker.$metadata.httpStatusCode).toBe(200);
  });

  it('keeps its records across a restart: the store is a real SQLite file with migrations', async () => {
    const again = controlPlane(cp.dbPath);
    expect(await again.store.db.schemaVersion()).toBe(MIGRATIONS.length);
    expect((await again.store.getAccount(accountId))?.verifiedAt).toBeDefined();
    expect((await again.store.listRuns(accountId, 'owner.gated', 5)).length).toBe(1);
    again.store.close();
  });

  it('sent only jobs the agent accepted: its dead-letter queue is empty', async () => {
    const { Messages } = await account.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages ?? []).toEqual([]);
  });
});
