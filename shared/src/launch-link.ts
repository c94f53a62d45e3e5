/**
 * The CloudFormation console's quick-create link that launches the customer stack with the control
 * plane's values filled in. The parameter names are the template's (cloudformation/dockercise.yaml);
 * a test holds the two together.
 */
export interface StackParameters {
  ControlPlaneRoleArn: string;
  ExternalId: string;
  JobSigningPublicKey: string;
  AgentTarballUrl: string;
  AgentTarballSha256: string;
  AgentVersion?: string;
  InstanceType?: string;
  /** auto: the image follows the instance type's family. */
  Architecture?: 'auto' | 'x86_64' | 'arm64';
  CpuCredits?: 'standard' | 'unlimited';
  MaxHosts?: number;
  JobsPerHost?: number;
  VpcId?: string;
  SubnetIds?: string;
  AssignPublicIp?: 'true' | 'false';
  SessionManager?: 'true' | 'false';
  IdleStopMinutes?: number;
  ResultsRetentionDays?: number;
  LogRetentionDays?: number;
  /** Comma-separated ARNs of the roles steps may assume (`aws-role`). */
  StepRoleArns?: string;
  /** Comma-separated ECR repository ARNs steps' images come from (this account's, unless said). */
  EcrRepositoryArns?: string;
  /** A Secrets Manager secret with other registries' credentials. */
  RegistryCredentialsSecretArn?: string;
}

export const STACK_PARAMETER_NAMES = [
  'ControlPlaneRoleArn',
  'ExternalId',
  'JobSigningPublicKey',
  'AgentTarballUrl',
  'AgentTarballSha256',
  'AgentVersion',
  'InstanceType',
  'Architecture',
  'CpuCredits',
  'MaxHosts',
  'JobsPerHost',
  'VpcId',
  'SubnetIds',
  'AssignPublicIp',
  'SessionManager',
  'IdleStopMinutes',
  'ResultsRetentionDays',
  'LogRetentionDays',
  'StepRoleArns',
  'EcrRepositoryArns',
  'RegistryCredentialsSecretArn',
] as const satisfies ReadonlyArray<keyof StackParameters>;

export interface LaunchLinkInput {
  region: string;
  /** An S3 https URL of the template: the console only loads templates from S3. */
  templateUrl: string;
  stackName: string;
  parameters: StackParameters;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export function launchStackUrl(input: LaunchLinkInput): string {
  if (!REGION.test(input.region)) throw new Error(`not an AWS region: ${input.region}`);
  if (!STACK_NAME.test(input.stackName)) throw new Error(`not a valid stack name: ${input.stackName}`);
  const query = [
    `templateURL=${encodeURIComponent(input.templateUrl)}`,
    `stackName=${encodeURIComponent(input.stackName)}`,
  ];
  for (const name of STACK_PARAMETER_NAMES) {
    const value = input.parameters[name];
    if (value !== undefined) query.push(`param_${name}=${encodeURIComponent(String(value))}`);
  }
  const region = encodeURIComponent(input.region);
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/create/review?${query.join('&')}`;
}

export interface UpdateLinkInput {
  region: string;
  /** The stack's id (its ARN), as DescribeStacks gives it. */
  stackId: string;
  templateUrl: string;
}

/**
 * The console's "Update stack" page for the stack, with the newest template already chosen. AWS
 * documents the quick-create link, not this one; it is the console's own address for that page
 * and widely linked to, and the account page offers the equivalent CLI command beside it.
 */
export function updateStackUrl(input: UpdateLinkInput): string {
  if (!REGION.test(input.region)) throw new Error(`not an AWS region: ${input.region}`);
  const region = encodeURIComponent(input.region);
  const query = `stackId=${encodeURIComponent(input.stackId)}&templateURL=${encodeURIComponent(input.templateUrl)}`;
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/update/template?${query}`;
}
