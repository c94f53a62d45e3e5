import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { runPrefix } from '@dockercise/shared';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bindAwsResources } from './aws-call-bindings.js';
import {
  endpoint,
  jobBody,
  logEvents,
  newAccount,
  REGION,
  readObject,
  resultWhen,
  runFinished,
  sendJob,
  servingAgent,
} from './aws-harness.js';
import { compile, IMG, logTexts, writeTree } from './harness.js';
import { STEP_ROLE_ARN, stepRolePipeline, stepsSeeing } from './step-role-pipeline.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** moto's port, as a step reaches it: at the credentials network's gateway, this host. */
const motoPort = () => new URL(inject('awsEndpoint')).port;

describe('a hosted step with aws-role', () => {
  it("deploys with its role's short-lived credentials: the seed's deploy, behind its gate", async () => {
    const account = await newAccount();
    // The IAM test evaluates the agent's AssumeRole against the documented trust policy.
    bindAwsResources({ [STEP_ROLE_ARN]: 'StepRole' });
    servingAgent(stops, account, { stepRoleArns: [STEP_ROLE_ARN] });
    const stack = `app-${Date.now()}`;
    const plan = compile(stepRolePipeline(motoPort(), stack));
    const source = { repository: 'me/app', commit: 'c0ffee', branch: 'main' };
    const body = jobBody(account, plan, { source });
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.status === 'waiting-approval', 'the gate', 60_000);
    const approval = jobBody(account, plan, {
      source,
      runId: body.runId,
      approvedGates: ['deploy.dockercise.yaml'],
      approvers: { 'deploy.dockercise.yaml': 'octocat' },
    });
    await sendJob(account, approval);
    const result = await runFinished(account, approval, 120_000);
    const log = async (step: string) =>
      logTexts((await readObject(account, `${runPrefix('app', body.runId)}logs/${step}.log`)) ?? '');
    expect(result.status, JSON.stringify(result.steps)).toBe('succeeded');
    expect(await log('create-stack')).toEqual(stepsSeeing(body.runId)['create-stack']);
    // A step without aws-role has no credentials at all.
    expect(await log('no-role')).toEqual(stepsSeeing(body.runId)['no-role']);
    // The secret key the step printed is masked in CloudWatch too.
    const events = await logEvents(account, `app/${body.runId}/create-stack`);
    expect(events).toContain('secret key: ***');
    // The stack is in the account afterwards.
    const cloudformation = new CloudFormationClient({ region: REGION, endpoint: endpoint() });
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it("fails a fork's step, and one whose role the stack does not list, before it starts", async () => {
    const account = await newAccount();
    servingAgent(stops, account, { stepRoleArns: ['arn:aws:iam::123456789012:role/other'] });
    const plan = compile({
      'a.dockercise.yaml': `ship:\n  img: ${IMG}\n  aws-role: ${STEP_ROLE_ARN}\n  run: echo never\n`,
    });
    const fork = jobBody(account, plan, { event: 'pull_request', fork: true });
    await sendJob(account, fork);
    const forked = await resultWhen(account, fork, (r) => r.status === 'failed', 'the fork run');
    expect(forked.steps[0]).toMatchObject({
      status: 'failed',
      error: `step "ship" is of a fork's pull request, which never gets an AWS role (aws-role ${STEP_ROLE_ARN})`,
    });
    // Nothing ran: no exit code, no log line.
    expect(forked.steps[0]?.exitCode).toBeUndefined();
    expect(await readObject(account, `${runPrefix('app', fork.runId)}logs/ship.log`)).toBeFalsy();
    const unlisted = jobBody(account, plan);
    await sendJob(account, unlisted);
    const refused = await resultWhen(account, unlisted, (r) => r.status === 'failed', 'the run');
    expect(refused.steps[0]?.error).toBe(
      `role ${STEP_ROLE_ARN} is not one this stack lets steps assume: add it to the stack's StepRoleArns parameter`,
    );
  });
});

describe('`dockercise run` of a step with aws-role', () => {
  const BIN = fileURLToPath(new URL('../../cli/bin/dockercise.js', import.meta.url));
  const run = (dir: string, env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'run', dir, '--approve'],
        { env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const noFiles = (dir: string) => ({
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  it("assumes it with the user's own credentials, and the step deploys as a hosted one does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockercise-role-'));
    await writeTree(dir, stepRolePipeline(motoPort(), `local-${Date.now()}`));
    const ran = await run(dir, {
      ...noFiles(dir),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      // The SDK's own endpoint variable: the CLI's STS calls go to moto.
      AWS_ENDPOINT_URL_STS: endpoint(),
    });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const runId = /run (\S+) succeeded/.exec(ran.stdout)?.[1] ?? '';
    const logs = Object.fromEntries(
      ['create-stack', 'no-role'].map((step) => [
        step,
        logTexts(readFileSync(join(dir, '.dockercise', 'runs', runId, 'logs', `${step}.log`), 'utf8')),
      ]),
    );
    expect(logs).toEqual(stepsSeeing(runId));
  });

  it('fails the step before it starts where the user has no AWS credentials, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockercise-role-'));
    await writeTree(dir, stepRolePipeline(motoPort(), 'never'));
    const ran = await run(dir, { ...noFiles(dir), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: endpoint() });
    expect(ran.code).toBe(1);
    const result = JSON.parse(
      readFileSync(
        join(dir, '.dockercise', 'runs', /run (\S+) failed/.exec(ran.stdout)?.[1] ?? '', 'result.json'),
        'utf8',
      ),
    ) as { steps: Array<{ name: string; error?: string }> };
    expect(result.steps.find((s) => s.name === 'create-stack')?.error).toMatch(
      new RegExp(`^there are no AWS credentials to assume ${STEP_ROLE_ARN} with: `),
    );
  });
});
