import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@dockercise/shared';
import { rawPublicKeyBase64 } from '@dockercise/shared/node';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clients,
  controlPlaneKeys,
  endpoint,
  eventually,
  inProcessAgent,
  publicKeyBase64,
  REGION,
} from '../../agent/test/aws-harness.js';
import { groupHostMetadata, groupHosts } from '../../agent/test/host-group-harness.js';
import { deployStack } from '../../agent/test/stack-harness.js';
import { AccountAccess } from '../../control-plane/src/aws/account-access.js';
import { SecretBox } from '../../control-plane/src/crypto/secret-box.js';
import { GitHub } from '../../control-plane/src/github/github.js';
import { openSqliteStore } from '../../control-plane/src/store/open-store.js';
import type { SqlStore } from '../../control-plane/src/store/sql-store.js';
import { wireControlPlane } from '../../control-plane/src/wire.js';
import { launchChromium } from './chromium.js';
import { type StandInGitHub, startStandInGitHub } from './github-stand-in.js';

const IMG = 'dockercise-test/busybox:latest';
const UI_DIR = fileURLToPath(new URL('../dist', import.meta.url));
/** moto keeps every resource in this one account. */
const ACCOUNT = '123456789012';
const REPO = { id: 4242, fullName: 'octo/app' };

let github: StandInGitHub;
let store: SqlStore;
let server: Server;
let publicUrl: string;
let browser: Browser;
let cp: ReturnType<typeof wireControlPlane>;
/** The first test's page, signed in: the later ones go on as that user. */
let signedIn: Page | undefined;

beforeAll(async () => {
  github = await startStandInGitHub({ id: 9001, login: 'octo' }, REPO);
  store = openSqliteStore(
    join(mkdtempSync(join(tmpdir(), 'hosted-')), 'store.db'),
    new SecretBox('s'.repeat(40)),
  );
  let app: ReturnType<typeof wireControlPlane>['app'] | undefined;
  server = await new Promise<Server>((resolve) => {
    const s = serve(
      { fetch: (request) => (app as NonNullable<typeof app>).fetch(request), port: 0, hostname: '127.0.0.1' },
      () => resolve(s as Server),
    );
  });
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cp = wireControlPlane({
    store,
    github: new GitHub({ clientId: 'id', clientSecret: 'secret', apiUrl: github.url, webUrl: github.url }),
    access: AccountAccess.create(REGION, endpoint()),
    signingKey: controlPlaneKeys.privateKey,
    logger: silentLogger,
    reconcileGraceMs: 0,
    config: {
      publicUrl,
      sessionSecret: 'session-secret-for-the-browser-test-0123',
      local: false,
      controlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
      agentTarballSha256: 'a'.repeat(64),
      jobSigningPublicKey: rawPublicKeyBase64(controlPlaneKeys.publicKey),
      templateUrl: 'https://dockercise-templates.s3.amazonaws.com/v1/dockercise.yaml',
      agentVersion: '0.1.0',
      uiDir: UI_DIR,
    },
  });
  app = cp.app;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await github?.close();
  await cp?.compiler.close();
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(publicUrl + path);
  return page;
}

/** A delivery as GitHub sends it to the repository's hook: signed with the hook's secret. */
async function deliver(event: 'push' | 'pull_request', payload: object): Promise<Response> {
  const hook = github.hooks.at(-1);
  if (!hook) throw new Error('the repository is not connected');
  const body = JSON.stringify(payload);
  return fetch(hook.config.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': String(700 + github.hooks.length),
      'x-hub-signature-256': `sha256=${createHmac('sha256', hook.config.secret).update(body).digest('hex')}`,
    },
    body,
  });
}

function push(sha: string): Promise<Response> {
  return deliver('push', {
    ref: 'refs/heads/main',
    after: sha,
    repository: { id: REPO.id, full_name: REPO.fullName },
    head_commit: { message: 'Add CI' },
    sender: { login: 'octo' },
    commits: [{ added: ['ci.dockercise.yaml'], removed: [], modified: [] }],
  });
}

describe('the hosted product in Chromium: sign in to a status on the commit', () => {
  it('signs in, connects an account by its stack and a repository, and a push gets its run and its status', async () => {
    const page = await openPage('/results/');
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.getByRole('heading', { name: 'Signed in as octo' }).waitFor();

    // Connect an AWS account: the launch link, the stack (created as the console would), found.
    await page.getByRole('link', { name: 'Connect an AWS account' }).click();
    await page.getByLabel('AWS account id').fill(ACCOUNT);
    await page.getByRole('button', { name: 'Continue' }).click();
    const launch = (await page.getByRole('link', { name: 'Launch Stack' }).getAttribute('href')) ?? '';
    const parameters = new URLSearchParams(launch.split('#/stacks/create/review?')[1]);
    await deployStack(
      parameters.get('stackName') ?? '',
      ['ControlPlaneRoleArn', 'ExternalId', 'AgentTarballUrl', 'AgentTarballSha256']
        .map((name) => ({ ParameterKey: name, ParameterValue: parameters.get(`param_${name}`) ?? '' }))
        .concat([{ ParameterKey: 'JobSigningPublicKey', ParameterValue: publicKeyBase64 }]),
    );
    await page.getByText('Connected.').waitFor({ timeout: 20_000 });

    // Connect the repository to it.
    await page.goto(`${publicUrl}/results/repos`);
    await page.getByRole('button', { name: `Connect ${REPO.fullName}` }).click();
    await page.getByText(`${REPO.fullName} connected: pushes build now.`).waitFor();
    expect(github.hooks[0]?.events).toEqual(['push', 'pull_request']);

    // A push: the run, its job on the account's queue, the agent there, the statuses on GitHub.
    const sha = 'c0ffee'.padEnd(40, '0');
    github.commits.set(sha, {
      'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built in the customer account\n`,
    });
    expect((await push(sha)).status).toBe(202);
    const agent = await connectedAgent();
    const running = agent.run();
    try {
      await eventually(
        async () => {
          await cp.builds.idle();
          await cp.statuses.pass();
          return github.statuses.at(-1)?.state === 'success' ? true : undefined;
        },
        60_000,
        'a success status on the commit',
      );
    } finally {
      agent.shutdown();
      await running;
    }
    const [first] = github.statuses;
    expect(first).toMatchObject({ sha, state: 'pending', context: 'dockercise' });
    expect(github.statuses.at(-1)).toMatchObject({ sha, state: 'success', description: '1 step passed' });
    const target = github.statuses.at(-1)?.target_url ?? '';
    expect(target).toMatch(
      new RegExp(`^${publicUrl}/results/${ACCOUNT}/octo\\.app/\\d{8}T\\d{6}Z-[0-9a-f]{6}$`),
    );

    // The status's link opens the run's page, signed in.
    await page.goto(target);
    await page.getByTestId('run-status').filter({ hasText: 'succeeded' }).waitFor();

    // The account's page: the host the push asked for, in its own words, and the run.
    await page.goto(`${publicUrl}/results/accounts/${ACCOUNT}`);
    await page.getByText(/^1 host asked for at/).waitFor();
    await page
      .getByRole('listitem')
      .filter({ hasText: /i-[0-9a-f]+ (idle|stopped) since/ })
      .first()
      .waitFor();
    signedIn = page;
  });

  it('a gated run says so on the commit, is approved in the page, and turns green', async () => {
    const page = signedIn;
    if (!page) throw new Error('the first test signs in');
    const sha = 'feed'.padEnd(40, '1');
    github.commits.set(sha, {
      'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built\n`,
      'deploy.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  run: echo shipped {build}\n`,
    });
    expect((await push(sha)).status).toBe(202);
    const agent = await connectedAgent();
    const running = agent.run();
    const last = () => github.statuses.filter((s) => s.sha === sha).at(-1);
    try {
      await eventually(
        async () => {
          await cp.builds.idle();
          await cp.statuses.pass();
          return last()?.description === 'waiting for approval: deploy' ? true : undefined;
        },
        60_000,
        'the waiting status',
      );
      expect(last()?.state).toBe('pending');
      await page.goto(last()?.target_url ?? '');
      await page.getByRole('button', { name: 'Approve deploy.dockercise.yaml…' }).click();
      await page.getByRole('button', { name: 'Approve and run' }).click();
      await eventually(
        async () => {
          await cp.statuses.pass();
          return last()?.state === 'success' ? true : undefined;
        },
        60_000,
        'the success status after approval',
      );
      await page.getByTestId('run-status').filter({ hasText: 'succeeded' }).waitFor();
    } finally {
      agent.shutdown();
      await running;
    }
  });

  it("a fork's pull request waits for the owner, and the commit says why", async () => {
    const page = signedIn;
    if (!page) throw new Error('the first test signs in');
    const sha = 'f0f0'.padEnd(40, '2');
    github.commits.set(sha, { 'ci.dockercise.yaml': `test:\n  img: ${IMG}\n  run: echo untrusted\n` });
    const delivered = await deliver('pull_request', {
      action: 'opened',
      number: 7,
      repository: { id: REPO.id, full_name: REPO.fullName },
      sender: { login: 'stranger' },
      pull_request: {
        title: 'Improve things',
        head: { sha, repo: { full_name: 'stranger/app' } },
        base: { ref: 'main' },
      },
    });
    expect(delivered.status).toBe(202);
    await cp.builds.idle();
    await eventually(async () => {
      await cp.statuses.pass();
      return github.statuses.some((s) => s.sha === sha) ? true : undefined;
    });
    const status = github.statuses.find((s) => s.sha === sha);
    expect(status).toMatchObject({
      state: 'pending',
      description: "waiting for approval: a fork's pull request runs once the owner allows it",
    });
    await page.goto(status?.target_url ?? '');
    await page.getByText(/A pull request from a fork/).waitFor();
    expect(await page.getByRole('button', { name: 'Allow it to run…' }).isVisible()).toBe(true);
    await page.close();
  });
});

/** The agent on the host the dispatch asked the account's group for, as its stack would start it. */
async function connectedAgent() {
  const account = await store.getAccount(ACCOUNT);
  if (
    !account?.queueUrl ||
    !account.deadLetterQueueUrl ||
    !account.bucket ||
    !account.logGroup ||
    !account.hostGroup
  )
    throw new Error('the account is not connected');
  const [host = ''] = await groupHosts(account.hostGroup, 1);
  const metadata = await groupHostMetadata(host);
  const agent = inProcessAgent(
    {
      aws: clients(),
      queueUrl: account.queueUrl,
      deadLetterQueueUrl: account.deadLetterQueueUrl,
      bucket: account.bucket,
      logGroup: account.logGroup,
    },
    { instanceId: host, metadataUrl: metadata.url },
  );
  return {
    run: () => agent.run().finally(() => metadata.close()),
    shutdown: () => agent.shutdown(),
  };
}
