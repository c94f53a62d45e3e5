import type { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { silentLogger } from '@dockercise/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsRefusedError } from '../runner/step-credentials.js';
import { CredentialsEndpoint } from './credentials-endpoint.js';
import { roleCredentials } from './role-credentials.js';
import { type AssumeRequest, REFRESH_BEFORE_MS, type RoleCredentials, RoleSession } from './role-session.js';
import { sessionName, sessionTags } from './session-tags.js';
import { stsRoleAssumer } from './sts-role-assumer.js';

const HOUR = 3_600_000;
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const run = {
  runId: '20261204T220000Z-abc123',
  pipeline: 'app',
  repository: 'me/app',
  branch: 'main',
  event: 'push',
};

/** An assumer that counts its sessions, each an hour long from the clock's now. */
function counting(now: () => number) {
  const requests: AssumeRequest[] = [];
  return {
    requests,
    assume: async (request: AssumeRequest): Promise<RoleCredentials> => {
      requests.push(request);
      const n = requests.length;
      return {
        accessKeyId: `ASIA${n}`,
        secretAccessKey: `secret-${n}-${'x'.repeat(20)}`,
        sessionToken: `token-${n}-${'y'.repeat(20)}`,
        expiration: new Date(now() + HOUR),
      };
    },
  };
}

const endpoints: CredentialsEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function endpoint(): Promise<CredentialsEndpoint> {
  const started = await CredentialsEndpoint.listen('127.0.0.1', silentLogger);
  endpoints.push(started);
  return started;
}

const ask = (env: Record<string, string>, token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN) =>
  fetch(env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '', { headers: token ? { authorization: token } : {} });

describe("a step's credentials endpoint", () => {
  it("serves a step its own role's credentials, and refuses another step's token, none, or a closed one", async () => {
    const now = Date.parse('2026-12-04T22:00:00Z');
    const assumer = counting(() => now);
    const masked: string[] = [];
    const credentials = roleCredentials({ endpoint: await endpoint(), assumer, run, now: () => now });
    const deploy = await credentials.open({ step: 'deploy', roleArn: ROLE, mask: (s) => masked.push(s) });
    const other = await credentials.open({ step: 'other', roleArn: ROLE, mask: () => {} });
    expect(Object.keys(deploy.env).sort()).toEqual([
      'AWS_CONTAINER_AUTHORIZATION_TOKEN',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ]);
    expect(deploy.network).toBe('dockercise-credentials');

    const answer = await ask(deploy.env);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      AccessKeyId: 'ASIA1',
      SecretAccessKey: `secret-1-${'x'.repeat(20)}`,
      Token: `token-1-${'y'.repeat(20)}`,
      Expiration: new Date(now + HOUR).toISOString(),
    });
    // Masked before the step could read them.
    expect(masked).toContain(`secret-1-${'x'.repeat(20)}`);
    expect(masked).toContain(`token-1-${'y'.repeat(20)}`);
    // The other step's token gets the other step's session.
    expect(((await (await ask(other.env)).json()) as { AccessKeyId: string }).AccessKeyId).toBe('ASIA2');
    expect((await ask(deploy.env, '')).status).toBe(403);
    expect((await ask(deploy.env, `${deploy.env.AWS_CONTAINER_AUTHORIZATION_TOKEN}x`)).status).toBe(403);
    expect(
      (await ask(deploy.env, other.env.AWS_CONTAINER_AUTHORIZATION_TOKEN?.replace(/./, 'A'))).status,
    ).toBe(403);

    await deploy.close();
    expect((await ask(deploy.env)).status).toBe(403);
    expect((await ask(other.env)).status).toBe(200);
  });

  it('keeps a three-hour step in valid credentials, assuming the role again before each session ends', async () => {
    let now = Date.parse('2026-12-04T22:00:00Z');
    const assumer = counting(() => now);
    const session = new RoleSession(assumer, { roleArn: ROLE, sessionName: 's', tags: {} }, () => now);
    const end = now + 3 * HOUR;
    const seen = new Set<string>();
    // An SDK asking every five minutes, as the CLI does when near expiry.
    for (; now <= end; now += 5 * 60_000) {
      const held = await session.current();
      expect(held.expiration.getTime() - now).toBeGreaterThan(REFRESH_BEFORE_MS);
      seen.add(held.accessKeyId);
    }
    // One-hour sessions, each renewed once 20 minutes are left: at 0, 40, 80, 120 and 160 minutes.
    expect(assumer.requests).toHaveLength(5);
    expect(seen.size).toBe(5);
  });

  it("refuses a fork's pull request, and a role the stack does not list, before the step starts", async () => {
    const assumer = counting(Date.now);
    const fork = roleCredentials({
      endpoint: await endpoint(),
      assumer,
      run: { ...run, event: 'pull_request', fork: true },
    });
    await expect(fork.open({ step: 'deploy', roleArn: ROLE, mask: () => {} })).rejects.toThrow(
      new CredentialsRefusedError(
        `step "deploy" is of a fork's pull request, which never gets an AWS role (aws-role ${ROLE})`,
      ),
    );
    const listed = roleCredentials({
      endpoint: await endpoint(),
      assumer,
      run,
      allowedRoles: ['arn:aws:iam::123456789012:role/other'],
    });
    await expect(listed.open({ step: 'deploy', roleArn: ROLE, mask: () => {} })).rejects.toThrow(
      `role ${ROLE} is not one this stack lets steps assume: add it to the stack's StepRoleArns parameter`,
    );
    expect(assumer.requests).toEqual([]);
  });
});

describe("a step's role session", () => {
  it('is tagged with what the run is of, the step, and the gate approved and by whom', async () => {
    const sent: unknown[] = [];
    const sts = {
      send: async (command: unknown) => {
        sent.push((command as AssumeRoleCommand).input);
        return {
          Credentials: {
            AccessKeyId: 'ASIA',
            SecretAccessKey: 's',
            SessionToken: 't',
            Expiration: new Date(Date.now() + HOUR),
          },
        };
      },
    } as unknown as STSClient;
    const credentials = roleCredentials({
      endpoint: await endpoint(),
      assumer: stsRoleAssumer(sts),
      run: { ...run, approvers: { 'deploy.dockercise.yaml': 'octocat' } },
    });
    await credentials.open({ step: 'ship', roleArn: ROLE, gate: 'deploy.dockercise.yaml', mask: () => {} });
    expect(sent).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: '20261204T220000Z-abc123.ship',
        DurationSeconds: 3600,
        Tags: [
          { Key: 'dockercise:repository', Value: 'me/app' },
          { Key: 'dockercise:branch', Value: 'main' },
          { Key: 'dockercise:event', Value: 'push' },
          { Key: 'dockercise:pipeline', Value: 'app' },
          { Key: 'dockercise:step', Value: 'ship' },
          { Key: 'dockercise:gate', Value: 'deploy.dockercise.yaml' },
          { Key: 'dockercise:approved-by', Value: 'octocat' },
        ],
      },
    ]);
  });

  it("says what STS refused, with the role; and keeps tag values and session names in IAM's characters", async () => {
    const sts = {
      send: async () => {
        throw Object.assign(
          new Error(
            'User: arn:aws:sts::1:assumed-role/host/i-1 is not authorized to perform: sts:AssumeRole',
          ),
          {
            name: 'AccessDenied',
          },
        );
      },
    } as unknown as STSClient;
    await expect(stsRoleAssumer(sts).assume({ roleArn: ROLE, sessionName: 's', tags: {} })).rejects.toThrow(
      `AWS refused to let this step assume ${ROLE}: User: arn:aws:sts::1:assumed-role/host/i-1 is not authorized to perform: sts:AssumeRole`,
    );
    expect(sessionTags({ ...run, branch: 'feature/ü#1' }, 'a')['dockercise:branch']).toBe('feature/ü_1');
    expect(sessionName(run.runId, 'x'.repeat(63))).toHaveLength(64);
  });
});
