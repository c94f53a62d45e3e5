import { execFile } from 'node:child_process';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { runPrefix } from '@dockercise/shared';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ecrRegistryAuth } from '../src/backends/aws/ecr-registry-auth.js';
import { bindAwsResources } from './aws-call-bindings.js';
import {
  agentClients,
  jobBody,
  newAccount,
  readObject,
  runFinished,
  sendJob,
  servingAgent,
} from './aws-harness.js';
import { compile, IMG, logTexts } from './harness.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

const removeImage = (image: string) =>
  new Promise((done) => execFile('docker', ['rmi', '-f', image], () => done(undefined)));

describe("a host's private images", () => {
  it('logs in to ECR with the instance role: the 12-hour token, kept and asked for again near its end', async () => {
    let now = Date.parse('2026-12-04T22:00:00Z');
    const ecr = ecrRegistryAuth(agentClients().ecr, () => now);
    const registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    const first = await ecr.credentialsFor(registry);
    expect(first).toMatchObject({ username: 'AWS', serveraddress: registry });
    expect(first?.password?.length).toBeGreaterThan(8);
    expect(await ecr.credentialsFor(registry)).toBe(first);
    now += 13 * 60 * 60_000;
    expect(await ecr.credentialsFor(registry)).not.toBe(first);
    // Not an ECR registry: nothing of the instance role's.
    expect(await ecr.credentialsFor('ghcr.io')).toBeUndefined();
  });

  it("pulls a step's image from a private registry with the stack's secret, the password nowhere", async () => {
    const account = await newAccount();
    const registry = inject('registry');
    const password = inject('registryPassword');
    const auth = Buffer.from(`${inject('registryUser')}:${password}`).toString('base64');
    const secret = await account.aws.secrets.send(
      new CreateSecretCommand({
        Name: `dockercise/registries-${Date.now()}`,
        SecretString: JSON.stringify({ auths: { [registry]: { auth } } }),
      }),
    );
    const secretArn = secret.ARN ?? '';
    bindAwsResources({ [secretArn]: 'RegistrySecret' });
    servingAgent(stops, account, { registryCredentialsSecretArn: secretArn });
    const image = inject('privateImage');
    await removeImage(image);
    const body = jobBody(
      account,
      compile({ 'a.dockercise.yaml': `private:\n  img: ${image}\n  run: echo pulled\n` }),
    );
    await sendJob(account, body);
    const result = await runFinished(account, body);
    expect(result.status, JSON.stringify(result.steps)).toBe('succeeded');
    const log = (await readObject(account, `${runPrefix('app', body.runId)}logs/private.log`)) ?? '';
    expect(logTexts(log)).toEqual(['pulled']);
    expect(JSON.stringify(result)).not.toContain(password);
    expect(log).not.toContain(password);
    await removeImage(image);
  });

  it('builds an image from the workspace on the host, and a later step runs it', async () => {
    const account = await newAccount();
    servingAgent(stops, account);
    const plan = compile({
      'ci.dockercise.yaml': `source:\n  img: ${IMG}\n  run: printf 'FROM ${IMG}\\nRUN echo built on the host > /built.txt\\n' > Dockerfile\nimage:\n  vol: source\n  build: {}\ntry:\n  img: "{image}"\n  run: cat /built.txt\n`,
    });
    const body = jobBody(account, plan);
    await sendJob(account, body);
    const result = await runFinished(account, body);
    expect(result.status, JSON.stringify(result.steps)).toBe('succeeded');
    const built = result.steps.find((s) => s.name === 'image')?.built;
    expect(built).toEqual({ id: expect.stringMatching(/^sha256:/), pushed: [] });
    expect(await readObject(account, `${runPrefix('app', body.runId)}outputs/image`)).toBe(built?.id);
    const log = (await readObject(account, `${runPrefix('app', body.runId)}logs/try.log`)) ?? '';
    expect(logTexts(log)).toEqual(['built on the host']);
    await removeImage(built?.id ?? '');
  });
});
