import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsPrincipal } from '@dockercise/shared/node';
import { asList, type Template } from '../template.js';
import type { IamRequest } from './iam-requests.js';
import { renderer, SAMPLE, SAMPLE_RESOURCES, STEP_ROLE_TRUST_POLICY } from './sample-stack.js';

type Policy = { Version: string; Statement: unknown[] };

interface PrincipalPolicies {
  /** The session ARN IAM sees for a call. */
  arn: string;
  identity: Array<{ name: string; policy: Policy }>;
}

/**
 * The control plane's own role lives in the operator's account; docs/control-plane.md gives it
 * `sts:AssumeRole` on the stacks' roles and nothing else. Modelled here as that policy, so what
 * decides an AssumeRole is the stack's trust policy.
 */
const OPERATOR_POLICY: Policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/dockercise-control-plane-*' },
  ],
};

/** The sample stack's policies, rendered from the template: identity policies by role, resource policies by resource. */
export function stackPolicies(
  template: Template,
  parameters: Record<string, string> = {},
): {
  principals: Record<AwsPrincipal, PrincipalPolicies>;
  resourcePolicy(resourceArn: string): Policy | undefined;
} {
  const render = renderer(template, parameters);
  const resources = template.Resources;
  const identity = (roleId: string): Array<{ name: string; policy: Policy }> => {
    const role = resources[roleId];
    if (!role) throw new Error(`the template has no ${roleId}`);
    const managed = asList(role.Properties.ManagedPolicyArns as unknown[] | undefined);
    if (managed.length > 0)
      throw new Error(`${roleId} attaches managed policies, which this test cannot read: give them inline`);
    const inline = asList(
      role.Properties.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>,
    ).map((p) => ({ name: p.PolicyName, policy: render(p.PolicyDocument) as Policy }));
    const attached = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => {
        const condition = (r as { Condition?: string }).Condition;
        return condition === undefined || render.condition(condition);
      })
      .filter((r) =>
        asList(r.Properties.Roles as unknown[]).some((ref) => (ref as { Ref?: string }).Ref === roleId),
      )
      .map((r) => ({
        name: String(r.Properties.PolicyName),
        policy: render(r.Properties.PolicyDocument) as Policy,
      }));
    return [...inline, ...attached];
  };
  const session = (roleId: string, sessionName: string) =>
    `arn:aws:sts::${SAMPLE.account}:assumed-role/${SAMPLE_RESOURCES[roleId]?.ref}/${sessionName}`;
  const bucketPolicies = Object.values(resources)
    .filter((r) => r.Type === 'AWS::S3::BucketPolicy')
    .map((r) => ({
      bucket: render(r.Properties.Bucket) as string,
      policy: render(r.Properties.PolicyDocument) as Policy,
    }));
  const trustPolicies = [
    ...Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => ({
        arn: SAMPLE_RESOURCES[id]?.arn,
        policy: render(r.Properties.AssumeRolePolicyDocument) as Policy,
      })),
    { arn: SAMPLE_RESOURCES.StepRole?.arn, policy: STEP_ROLE_TRUST_POLICY as Policy },
  ];
  return {
    principals: {
      AgentRole: { arn: session('AgentRole', 'i-0123456789abcdef0'), identity: identity('AgentRole') },
      ControlPlaneRole: {
        arn: session('ControlPlaneRole', 'dockercise-control-plane'),
        identity: identity('ControlPlaneRole'),
      },
      ControlPlane: {
        arn: SAMPLE.controlPlaneRoleArn,
        identity: [{ name: 'operator', policy: OPERATOR_POLICY }],
      },
    },
    resourcePolicy(resourceArn) {
      const bucket = /^arn:aws:s3:::([^/]+)/.exec(resourceArn)?.[1];
      if (bucket) return bucketPolicies.find((b) => b.bucket === bucket)?.policy;
      return trustPolicies.find((t) => t.arn === resourceArn)?.policy;
    },
  };
}

export type Verdict = { request: IamRequest; result: string; detail?: string };

/** Evaluates one request with iam-simulate: identity policies, the resource's policy, conditions. */
export async function evaluate(
  policies: ReturnType<typeof stackPolicies>,
  request: IamRequest,
): Promise<Verdict> {
  const principal = policies.principals[request.principal];
  const resourcePolicy = policies.resourcePolicy(request.resource);
  const accountId = request.resource.startsWith('arn:aws:s3:::')
    ? SAMPLE.account
    : (request.resource.split(':')[4] ?? '');
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: accountId || SAMPLE.account },
        contextVariables: request.context,
      },
      identityPolicies: principal.identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error')
    return { request, result: 'Error', detail: JSON.stringify(result.errors) };
  return { request, result: result.overallResult };
}
