import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Output,
  type Parameter,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { bindStackResources } from './aws-call-bindings.js';
import { endpoint, eventually, publicKeyBase64, REGION } from './aws-harness.js';

export const TEMPLATE = readFileSync(
  fileURLToPath(new URL('../../cloudformation/dockercise.yaml', import.meta.url)),
  'utf8',
);

/** What the launch link fills in, for a stack trusting the tests' control plane. */
export function launchParameters(externalId: string, extra: Record<string, string> = {}): Parameter[] {
  return Object.entries({
    ControlPlaneRoleArn: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
    AgentTarballSha256: 'a'.repeat(64),
    ExternalId: externalId,
    JobSigningPublicKey: publicKeyBase64,
    AgentTarballUrl: 'https://control-plane.example/agent/dockercise-agent-0.1.0.tgz',
    ...extra,
  }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

export interface DeployedStack {
  cloudformation: CloudFormationClient;
  stackName: string;
  outputs: Record<string, string>;
  /** Each resource's physical id, by its logical id. */
  physical: Record<string, string>;
}

/** The project's template, created in moto (or updated) and waited for, as the console would. */
export async function deployStack(
  stackName: string,
  parameters: Parameter[],
  how: 'create' | 'update' = 'create',
): Promise<DeployedStack> {
  const cloudformation = new CloudFormationClient({ region: REGION, endpoint: endpoint() });
  const request = {
    StackName: stackName,
    TemplateBody: TEMPLATE,
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    Parameters: parameters,
  };
  await cloudformation.send(
    how === 'create' ? new CreateStackCommand(request) : new UpdateStackCommand(request),
  );
  const done = how === 'create' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
  const stack = await eventually(
    async () => {
      const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
      const status = Stacks?.[0]?.StackStatus ?? '';
      if (status.endsWith('_FAILED') || status.includes('ROLLBACK'))
        throw new Error(`stack ${status}: ${Stacks?.[0]?.StackStatusReason}`);
      return status === done ? Stacks?.[0] : undefined;
    },
    60_000,
    `the stack ${how}`,
  );
  const { StackResources } = await cloudformation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const physical = Object.fromEntries(
    (StackResources ?? []).map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? '']),
  );
  bindStackResources(stackName, physical);
  return {
    cloudformation,
    stackName,
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o: Output) => [o.OutputKey, o.OutputValue ?? ''])),
    physical,
  };
}
