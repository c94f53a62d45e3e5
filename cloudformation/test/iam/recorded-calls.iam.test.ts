import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootScript, loadTemplate, type Template } from '../template.js';
import { evaluate, stackPolicies, type Verdict } from './evaluate.js';
import {
  type Bindings,
  type IamRequest,
  type RecordedCall,
  readRecordings,
  toIamRequests,
} from './iam-requests.js';
import { SAMPLE, STEP_ROLE_TRUST_POLICY } from './sample-stack.js';
import { scriptCommands, sourceCommands } from './source-commands.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RECORDINGS = process.env.DOCKERCISE_AWS_CALL_LOG ?? `${ROOT}.aws-calls`;

/**
 * Every AWS call the product made in the moto-backed tests (the control plane, the agent, and the
 * host's boot script under systemd), evaluated by a real IAM policy evaluator against the policies
 * of the role that makes it, rendered from the template for a sample stack. moto allows anything;
 * this is where a call the stack does not grant fails. The other projects record, this one runs
 * after them (groupOrder), and `npm run test:iam` runs just those.
 */
describe('every AWS call the product makes is allowed by the stack it runs against', () => {
  let calls: RecordedCall[] = [];
  let bindings: Bindings = new Map();
  let requests: IamRequest[] = [];
  let verdicts: Verdict[] = [];

  beforeAll(async () => {
    ({ calls, bindings } = readRecordings(RECORDINGS));
    const problems: string[] = [];
    const distinct = new Map<string, IamRequest>();
    for (const call of calls) {
      try {
        for (const request of toIamRequests(call, bindings))
          distinct.set(
            JSON.stringify([
              request.principal,
              request.action,
              normalised(request.resource),
              request.context,
            ]),
            request,
          );
      } catch (error) {
        problems.push(`${call.source}: ${(error as Error).message}`);
      }
    }
    expect(problems, 'calls the IAM test cannot evaluate').toEqual([]);
    requests = [...distinct.values()];
    const policies = stackPolicies(loadTemplate());
    verdicts = await Promise.all(requests.map((r) => evaluate(policies, r)));
    writeReport(verdicts);
  });

  it('recorded calls from the control plane, the agent and the boot script', () => {
    expect(
      calls.length,
      `nothing recorded in ${RECORDINGS}: run the AWS tests first (npm run test:iam)`,
    ).toBeGreaterThan(0);
    const principals = new Set(calls.map((c) => c.principal));
    expect([...principals].sort()).toEqual(['AgentRole', 'ControlPlane', 'ControlPlaneRole']);
  });

  it('allows every one of them', () => {
    const refused = verdicts
      .filter((v) => v.result !== 'Allowed')
      .map(
        (v) =>
          `${v.request.principal} ${v.request.call} → ${v.request.action} on ${v.request.resource} ${JSON.stringify(v.request.context)}: ${v.result} ${v.detail ?? ''}`,
      );
    expect(refused).toEqual([]);
  });

  it('has recorded every AWS command the product’s source sends', () => {
    const recorded = new Set(calls.map((c) => `${c.service}.${c.command}`));
    const missing = sourceCommands(ROOT).filter((c) => !recorded.has(c));
    expect(missing, 'commands in the source that no moto-backed test sends').toEqual([]);
  });

  it('has recorded every AWS CLI call the host’s boot and leave scripts make', () => {
    const recorded = new Set(calls.map((c) => `${c.service}.${c.command}`));
    const scripts = [bootScript(loadTemplate()), readFileSync(`${ROOT}agent/host/dockercise-leave`, 'utf8')];
    const missing = scriptCommands(scripts).filter((c) => !recorded.has(c) && !(c in UNREACHABLE_IN_MOTO));
    expect(scriptCommands(scripts)).toContain('SSM.GetParameter');
    expect(missing, 'CLI calls that the host-boot test never made').toEqual([]);
  });

  it('allows the calls no moto test can reach, as the scripts make them', async () => {
    const policies = stackPolicies(loadTemplate());
    for (const [call, { principal, action, resource, why }] of Object.entries(UNREACHABLE_IN_MOTO)) {
      const verdict = await evaluate(policies, {
        principal,
        action,
        resource,
        context: { 'aws:SecureTransport': 'true' },
        call,
      });
      expect(verdict.result, `${call} (${why})`).toBe('Allowed');
    }
  });

  it('grants no action the product does not use (least privilege, checked both ways)', () => {
    const used = new Set([
      ...verdicts.map((v) => `${v.request.principal} ${v.request.action}`),
      ...Object.values(UNREACHABLE_IN_MOTO).map((u) => `${u.principal} ${u.action}`),
    ]);
    const policies = stackPolicies(loadTemplate());
    const unused: string[] = [];
    for (const principal of ['AgentRole', 'ControlPlaneRole'] as const)
      for (const { policy } of policies.principals[principal].identity)
        for (const statement of policy.Statement as Array<{ Action: string | string[] }>)
          for (const action of [statement.Action].flat())
            if (!used.has(`${principal} ${action}`) && !(action in USED_OUTSIDE_TESTS))
              unused.push(`${principal} ${action}`);
    expect(unused).toEqual([]);
  });

  it("lets a host assume a step's role only as the trust policy says: its branch, after its gate", async () => {
    const assumes = requests.filter((r) => r.principal === 'AgentRole' && r.action === 'sts:AssumeRole');
    expect(assumes.length, 'no recorded AssumeRole of a step role').toBeGreaterThan(0);
    const recorded = assumes[0] as IamRequest;
    const policies = stackPolicies(loadTemplate());
    for (const action of ['sts:AssumeRole', 'sts:TagSession'])
      expect((await evaluate(policies, { ...recorded, action })).result).toBe('Allowed');
    const asIf = (change: Record<string, string | undefined>) => {
      const context = { ...recorded.context, ...change };
      for (const [key, value] of Object.entries(change)) if (value === undefined) delete context[key];
      return evaluate(policies, { ...recorded, context: context as Record<string, string> });
    };
    // Another branch, or no gate approved: the role's trust policy refuses.
    expect((await asIf({ 'aws:RequestTag/dockercise:branch': 'feature' })).result).toBe('ImplicitlyDenied');
    expect((await asIf({ 'aws:RequestTag/dockercise:gate': undefined })).result).toBe('ImplicitlyDenied');
    expect((await asIf({ 'aws:RequestTag/dockercise:approved-by': 'mallory' })).result).toBe(
      'ImplicitlyDenied',
    );
    // A role in another account with the same trust: IAM asks the hosts' own policy too, which
    // grants only the StepRoleArns. (In the stack's account a trust policy naming the hosts' role
    // is enough by itself, as IAM allows; there the agent's own check of the list refuses others.)
    const other = 'arn:aws:iam::210987654321:role/deploy';
    const trusting = (parameters: Record<string, string>) => {
      const policies = stackPolicies(loadTemplate(), parameters);
      return {
        ...policies,
        resourcePolicy: (arn: string) =>
          arn === other ? STEP_ROLE_TRUST_POLICY : policies.resourcePolicy(arn),
      };
    };
    const crossAccount = { ...recorded, resource: other };
    expect((await evaluate(trusting({ StepRoleArns: other }), crossAccount)).result).toBe('Allowed');
    expect((await evaluate(trusting({ StepRoleArns: '' }), crossAccount)).result).toBe('ImplicitlyDenied');
  });

  it('fails a call whose statement is taken out of the template', async () => {
    const sends = requests.filter(
      (r) => r.principal === 'ControlPlaneRole' && r.action === 'sqs:SendMessage',
    );
    expect(sends.length).toBeGreaterThan(0);
    const without = withoutAction(loadTemplate(), 'ControlPlaneRole', 'sqs:SendMessage');
    const verdict = await evaluate(stackPolicies(without), sends[0] as IamRequest);
    expect(verdict.result).toBe('ImplicitlyDenied');
  });

  it('refuses what AWS refuses: HeadBucket under a prefix-conditioned ListBucket (the old registration check)', async () => {
    const policies = stackPolicies(loadTemplate());
    const bucket = 'arn:aws:s3:::dockercise-resultsbucket-1a2b3c4d5e6f';
    const ask = (context: Record<string, string>) =>
      evaluate(policies, {
        principal: 'ControlPlaneRole',
        action: 's3:ListBucket',
        resource: bucket,
        context: { 'aws:SecureTransport': 'true', ...context },
        call: 'S3.HeadBucket',
      });
    expect((await ask({})).result).toBe('ImplicitlyDenied');
    expect((await ask({ 's3:prefix': 'runs/' })).result).toBe('Allowed');
    // Plain HTTP is denied to everyone by the bucket policy.
    const http = await evaluate(policies, {
      principal: 'AgentRole',
      action: 's3:GetObject',
      resource: `${bucket}/runs/x`,
      context: { 'aws:SecureTransport': 'false' },
      call: 'S3.GetObject',
    });
    expect(http.result).toBe('ExplicitlyDenied');
  });
});

/**
 * CLI calls of the host scripts that no boot under moto makes, evaluated as the script makes them.
 * moto completes a stack at once (it ignores CreationPolicy), so no boot finds HostBootstrapped
 * waiting for its signal.
 */
const UNREACHABLE_IN_MOTO: Record<
  string,
  { principal: 'AgentRole'; action: string; resource: string; why: string }
> = {
  'CloudFormation.SignalResource': {
    principal: 'AgentRole',
    action: 'cloudformation:SignalResource',
    resource: SAMPLE.stackId,
    why: 'moto never leaves HostBootstrapped waiting',
  },
};

/** Granted actions that no product code path records, and why each is still needed. */
const USED_OUTSIDE_TESTS: Record<string, string> = {
  's3:AbortMultipartUpload': 'only when a cache upload fails midway (lib-storage aborts it)',
  'ecr:BatchGetImage': "the engine's pull from ECR, with the token the agent gave it (no SDK call)",
  'ecr:GetDownloadUrlForLayer': "the engine's pull from ECR, with the token the agent gave it",
  'ssmmessages:CreateControlChannel': "Session Manager's own agent on the host, not dockercise's",
  'ssmmessages:CreateDataChannel': "Session Manager's own agent",
  'ssmmessages:OpenControlChannel': "Session Manager's own agent",
  'ssmmessages:OpenDataChannel': "Session Manager's own agent",
  'ssm:UpdateInstanceInformation': "Session Manager's own agent",
};

/** Per-run keys and ids folded, so thousands of runs' calls evaluate as the few shapes they are. */
function normalised(resource: string): string {
  return resource.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\d{6,}/g, '<n>');
}

/** The template with one action taken out of every statement of a role's policies. */
function withoutAction(template: Template, roleId: string, action: string): Template {
  const copy = structuredClone(template);
  const role = copy.Resources[roleId];
  for (const policy of (role?.Properties.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Array<{ Action: string | string[] }> };
  }>)
    for (const statement of policy.PolicyDocument.Statement)
      statement.Action = [statement.Action].flat().filter((a) => a !== action);
  return copy;
}

/** The calls by role, as the closing note and docs/security.md list them. */
function writeReport(verdicts: Verdict[]): void {
  const rows = new Map<string, Set<string>>();
  for (const v of verdicts) {
    const key = `${v.request.principal}: ${v.request.action}`;
    const set = rows.get(key) ?? new Set<string>();
    set.add(`${v.request.call} ${v.result}`);
    rows.set(key, set);
  }
  const lines = [...rows.entries()].sort().map(([k, v]) => `${k} (${[...v].sort().join(', ')})`);
  mkdirSync(`${ROOT}test-artifacts`, { recursive: true });
  writeFileSync(`${ROOT}test-artifacts/iam-calls.txt`, `${lines.join('\n')}\n`);
}
