import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { silentLogger } from '@dockercise/shared';
import { rawPublicKeyBase64 } from '@dockercise/shared/node';
import type { Hono } from 'hono';
import nock from 'nock';
import { bindAwsResources } from '../../agent/test/aws-call-bindings.js';
import {
  type Account,
  controlPlaneKeys,
  endpoint,
  newAccount,
  REGION,
} from '../../agent/test/aws-harness.js';
import { type HostGroupInMoto, hostGroupInMoto } from '../../agent/test/host-group-harness.js';
import { AccountAccess } from '../src/aws/account-access.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import type { Env } from '../src/deps.js';
import { GitHub } from '../src/github/github.js';
import { openSqliteStore } from '../src/store/open-store.js';
import type { SqlStore } from '../src/store/sql-store.js';
import { wireControlPlane } from '../src/wire.js';

export const GITHUB_API = 'https://api.github.com';
export const GITHUB_WEB = 'https://github.com';
export const PUBLIC_URL = 'https://dockercise.test';

export interface ControlPlane {
  app: Hono<Env>;
  store: SqlStore;
  reconciler: ReturnType<typeof wireControlPlane>['reconciler'];
  dispatcher: ReturnType<typeof wireControlPlane>['dispatcher'];
  statuses: ReturnType<typeof wireControlPlane>['statuses'];
  capacity: ReturnType<typeof wireControlPlane>['capacity'];
  access: AccountAccess;
  /** Waits for the work requests started after answering (webhook builds). */
  idle(): Promise<void>;
  dbPath: string;
}

/** The control plane wired as index.ts wires it, with a fresh SQLite file. */
export function controlPlane(
  dbPath = join(mkdtempSync(join(tmpdir(), 'cp-')), 'store.db'),
  options: {
    uiDir?: string;
    agentDir?: string;
    now?: () => Date;
    strandedAfterMs?: number;
    capacityRetryMs?: readonly number[];
  } = {},
): ControlPlane {
  const { uiDir } = options;
  const store = openSqliteStore(dbPath, new SecretBox('test-store-secret-0123456789abcdef'));
  const github = new GitHub({ clientId: 'client-id', clientSecret: 'client-secret' });
  const access = AccountAccess.create(REGION, endpoint());
  const { app, builds, reconciler, dispatcher, statuses, capacity } = wireControlPlane({
    store,
    github,
    access,
    signingKey: controlPlaneKeys.privateKey,
    logger: silentLogger,
    reconcileGraceMs: 0,
    ...(options.now ? { now: options.now } : {}),
    ...(options.strandedAfterMs !== undefined ? { strandedAfterMs: options.strandedAfterMs } : {}),
    ...(options.capacityRetryMs ? { capacityRetryMs: options.capacityRetryMs } : {}),
    config: {
      publicUrl: PUBLIC_URL,
      sessionSecret: 'session-secret-for-tests-0123456789',
      local: false,
      controlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
      agentTarballSha256: 'a'.repeat(64),
      jobSigningPublicKey: rawPublicKeyBase64(controlPlaneKeys.publicKey),
      templateUrl: 'https://dockercise-templates.s3.amazonaws.com/v1/dockercise.yaml',
      agentVersion: '0.1.0',
      ...(uiDir ? { uiDir } : {}),
      ...(options.agentDir ? { agentDir: options.agentDir } : {}),
    },
  });
  return {
    app,
    store,
    reconciler,
    dispatcher,
    statuses,
    capacity,
    access,
    dbPath,
    idle: () => builds.idle(),
  };
}

/** Signs in through the real OAuth flow, with GitHub's side played by nock; returns the cookie header. */
export async function signIn(
  cp: ControlPlane,
  user: { id: number; login: string; token?: string },
): Promise<string> {
  const login = await cp.app.request('/auth/login');
  const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const stateCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  nock(GITHUB_WEB)
    .post('/login/oauth/access_token')
    .reply(200, { access_token: user.token ?? `gho_${user.login}` });
  nock(GITHUB_API).get('/user').reply(200, { id: user.id, login: user.login });
  const callback = await cp.app.request(`/auth/callback?code=abc&state=${state}`, {
    headers: { cookie: stateCookie },
  });
  const session = (callback.headers.getSetCookie?.() ?? []).find((c) =>
    c.startsWith('__Host-dockercise_session='),
  );
  if (!session) throw new Error(`sign-in failed: ${callback.status} ${await callback.text()}`);
  return session.split(';')[0] ?? '';
}

/** A customer account as the stack makes it: queues, bucket, log group, role, and an empty host group. */
export async function customerAccount(
  maxHosts = 1,
): Promise<Account & { roleArn: string; group: HostGroupInMoto; maxHosts: number }> {
  const account = await newAccount(30);
  const iam = new IAMClient({ region: REGION, endpoint: endpoint() });
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: `dockercise-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const group = await hostGroupInMoto(maxHosts);
  bindAwsResources({ [role.Role?.Arn ?? '']: 'ControlPlaneRole' });
  return { ...account, roleArn: role.Role?.Arn ?? '', group, maxHosts };
}

/** Registers an account for a signed-in user, through the API as a user would. */
/** A moto queue URL (`http://127.0.0.1:port/<account>/<name>`) in SQS's own form. */
export function awsQueueUrl(motoUrl: string): string {
  return `https://sqs.${REGION}.amazonaws.com${new URL(motoUrl).pathname}`;
}

/** The outputs a customer's stack gives, as they are registered with the control plane. */
export function stackOutputs(account: Awaited<ReturnType<typeof customerAccount>>): Record<string, string> {
  return {
    RoleArn: account.roleArn,
    // As the stack's outputs name them on AWS; moto, the configured endpoint, finds them by name.
    QueueUrl: awsQueueUrl(account.queueUrl),
    DeadLetterQueueUrl: awsQueueUrl(account.deadLetterQueueUrl),
    BucketName: account.bucket,
    LogGroupName: account.logGroup,
    HostGroupName: account.group.name,
    MaxHosts: String(account.maxHosts),
    JobsPerHost: '1',
    Region: REGION,
  };
}

export async function connectAccount(
  cp: ControlPlane,
  cookie: string,
  account: Awaited<ReturnType<typeof customerAccount>>,
): Promise<string> {
  const accountId = account.roleArn.split(':')[4] ?? '';
  const created = await cp.app.request('/api/accounts', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, region: REGION }),
  });
  if (created.status !== 201) throw new Error(`account: ${created.status} ${await created.text()}`);
  const registered = await cp.app.request(`/api/accounts/${accountId}`, {
    method: 'PUT',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(stackOutputs(account)),
  });
  if (registered.status !== 200) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  return accountId;
}

/** GitHub's side of connecting a repository: it is listed, and takes a hook and a key. */
export function githubConnect(
  fullName: string,
  repoId: number,
  recorded: { hook?: unknown; key?: unknown } = {},
  /** The id GitHub gives the push hook: a delivery names it, so each repository's is its own. */
  hookId = 501,
): void {
  nock(GITHUB_API)
    .get('/user/repos')
    .query(true)
    .reply(200, [{ id: repoId, full_name: fullName, private: true }]);
  nock(GITHUB_API)
    .post(`/repos/${fullName}/hooks`, (body) => {
      recorded.hook = body;
      return true;
    })
    .reply(201, { id: hookId });
  nock(GITHUB_API)
    .post(`/repos/${fullName}/keys`, (body) => {
      recorded.key = body;
      return true;
    })
    .reply(201, { id: 601 });
}

/** GitHub's side of a push: the tree at the commit and the pipeline files' blobs. */
export function githubFiles(fullName: string, commit: string, files: Record<string, string>): void {
  const entries = Object.entries(files).map(([path], i) => ({
    path,
    type: 'blob',
    sha: `${i}`.padStart(40, 'b'),
    size: 10,
  }));
  nock(GITHUB_API)
    .get(`/repos/${fullName}/git/trees/${commit}`)
    .query({ recursive: '1' })
    .reply(200, {
      truncated: false,
      tree: [
        { path: 'README.md', type: 'blob', sha: 'a'.repeat(40) },
        { path: 'ci', type: 'tree', sha: 'c'.repeat(40) },
        ...entries,
      ],
    });
  for (const [i, [, text]] of Object.entries(files).entries()) {
    nock(GITHUB_API)
      .get(`/repos/${fullName}/git/blobs/${`${i}`.padStart(40, 'b')}`)
      .reply(200, { content: Buffer.from(text).toString('base64'), encoding: 'base64' });
  }
}
