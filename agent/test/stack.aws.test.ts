import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { runPrefix } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  clients,
  endpoint,
  eventually,
  inProcessAgent,
  jobBody,
  logEvents,
  publicKeyBase64,
  REGION,
  readObject,
  readResult,
  sendJob,
} from './aws-harness.js';
import { compile, IMG } from './harness.js';

const TEMPLATE = readFileSync(
  fileURLToPath(new URL('../../cloudformation/dockercise.yaml', import.meta.url)),
  'utf8',
);
const EXTERNAL_ID = 'external-id-0123456789abcdef0123456789';

const errorName = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (e: { name?: string }) => e.name ?? 'unknown',
  );

describe('the customer stack deployed into moto', () => {
  it('creates every resource, and an agent configured from its outputs runs a job end to end', async () => {
    const aws = clients();
    const cloudformation = new CloudFormationClient({ region: REGION, endpoint: endpoint() });
    const iam = new IAMClient({ region: REGION, endpoint: endpoint() });
    const stackName = `dockercise-${Date.now()}`;
    const parameter = (key: string, value: string) => ({ ParameterKey: key, ParameterValue: value });
    await cloudformation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: TEMPLATE,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        Parameters: [
          parameter('ControlPlaneRoleArn', 'arn:aws:iam::111122223333:role/dockercise-control-plane'),
          parameter('AgentTarballSha256', 'a'.repeat(64)),
          parameter('ExternalId', EXTERNAL_ID),
          parameter('JobSigningPublicKey', publicKeyBase64),
          parameter('AgentTarballUrl', 'https://control-plane.example/agent/dockercise-agent-0.1.0.tgz'),
          parameter('LogRetentionDays', '14'),
        ],
      }),
    );
    const stack = await eventually(
      async () => {
        const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
        const status = Stacks?.[0]?.StackStatus ?? '';
        if (status.endsWith('_FAILED') || status.startsWith('ROLLBACK'))
          throw new Error(`stack ${status}: ${Stacks?.[0]?.StackStatusReason}`);
        return status === 'CREATE_COMPLETE' ? Stacks?.[0] : undefined;
      },
      60_000,
      'the stack',
    );
    const outputs = Object.fromEntries(
      (stack.Outputs ?? []).map((o: Output) => [o.OutputKey, o.OutputValue ?? '']),
    );
    expect(Object.keys(outputs).sort()).toEqual([
      'AgentVersion',
      'BucketName',
      'DeadLetterQueueUrl',
      'InstanceId',
      'LogGroupName',
      'QueueUrl',
      'Region',
      'RoleArn',
    ]);
    expect(outputs.Region).toBe(REGION);

    // moto reports CREATE_COMPLETE even for what it skipped: check each resource directly.
    const { StackResources } = await cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: stackName }),
    );
    const physical = Object.fromEntries(
      (StackResources ?? []).map((r) => [r.LogicalResourceId, r.PhysicalResourceId]),
    );

    const bucket = outputs.BucketName ?? '';
    const encryption = await aws.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
    // Gaps of moto: it does not apply the bucket policy, the public access block or the lifecycle
    // rules, nor list the policy among the stack's resources. If it ever does, these fail and the
    // checks can move here; until then cloudformation/test/template.test.ts holds them.
    expect(await errorName(aws.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toBe(
      'NoSuchBucketPolicy',
    );
    expect(await errorName(aws.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))).toBe(
      'NoSuchPublicAccessBlockConfiguration',
    );
    expect(await errorName(aws.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).toBe(
      'NoSuchLifecycleConfiguration',
    );
    expect(physical.ResultsBucketPolicy).toBeUndefined();

    const queue = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['All'] }),
    );
    expect(queue.Attributes?.VisibilityTimeout).toBe('300');
    expect(queue.Attributes?.SqsManagedSseEnabled).toBe('true');
    const redrive = JSON.parse(queue.Attributes?.RedrivePolicy ?? '{}');
    expect(redrive.maxReceiveCount).toBe(5);
    const dlq = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.DeadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    expect(redrive.deadLetterTargetArn).toBe(dlq.Attributes?.QueueArn);

    const { logGroups } = await aws.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: outputs.LogGroupName }),
    );
    expect(logGroups?.[0]).toMatchObject({ logGroupName: `/dockercise/${stackName}`, retentionInDays: 14 });

    // moto ignores ExternalId when assuming roles; what it can show is that the trust policy demands it.
    const roleName = (outputs.RoleArn ?? '').split('/').pop() ?? '';
    const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '{}'));
    expect(trust.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': EXTERNAL_ID } });
    expect(trust.Statement[0].Principal).toEqual({
      AWS: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
    });
    const inline = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'dockercise-control-plane' }),
    );
    // Another gap: moto returns inline policies made by CloudFormation as a Python repr, not JSON,
    // so the document is checked as text: StartInstances is scoped to this stack's instance.
    const document = decodeURIComponent(inline.PolicyDocument ?? '');
    expect(document).toContain(
      `'Sid': 'StartTheHost', 'Effect': 'Allow', 'Action': 'ec2:StartInstances', 'Resource': 'arn:aws:ec2:${REGION}:123456789012:instance/${outputs.InstanceId}'`,
    );
    expect(document).not.toContain("'Resource': '*'");

    const { Reservations } = await aws.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [outputs.InstanceId ?? ''] }),
    );
    const instance = Reservations?.[0]?.Instances?.[0];
    expect(instance?.Tags).toContainEqual({ Key: 'dockercise:stack', Value: stackName });
    const template = await aws.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: physical.AgentLaunchTemplate }),
    );
    expect(template.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.MetadataOptions?.HttpTokens).toBe(
      'required',
    );
    const { SecurityGroups } = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [physical.AgentSecurityGroup ?? ''] }),
    );
    expect(SecurityGroups?.[0]?.IpPermissions).toEqual([]);

    // An agent configured from nothing but the stack's outputs.
    const account: Account = {
      aws,
      queueUrl: outputs.QueueUrl ?? '',
      deadLetterQueueUrl: outputs.DeadLetterQueueUrl ?? '',
      bucket,
      logGroup: outputs.LogGroupName ?? '',
    };
    const agent = inProcessAgent(account, { visibilitySeconds: 300 });
    const running = agent.run();
    try {
      const body = jobBody(
        account,
        compile({ 'a.dockercise.yaml': `hello:\n  img: ${IMG}\n  run: echo hello from the stack\n` }),
      );
      await sendJob(account, body);
      await eventually(
        async () => (await readResult(account, body))?.status === 'succeeded',
        60_000,
        'the run',
      );
      expect(await readObject(account, `${runPrefix('app', body.runId)}outputs/hello`)).toBe(
        'hello from the stack\n',
      );
      expect(await logEvents(account, `app/${body.runId}/hello`)).toEqual(['hello from the stack']);
    } finally {
      agent.shutdown();
      agent.shutdown();
      await running;
    }
  });
});
