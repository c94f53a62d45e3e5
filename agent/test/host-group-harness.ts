import { randomUUID } from 'node:crypto';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { bindAwsResources } from './aws-call-bindings.js';
import { endpoint, eventually, REGION } from './aws-harness.js';
import { type Imds, imdsServer } from './imds.js';

/**
 * An account's Auto Scaling group of hosts in moto, made as the stack makes it (the stack's own
 * deployment is in stack.aws.test.ts): empty, at most `maxHosts`, every new host protected from
 * scale-in, and the scale-in-by-one policy idle hosts run — which moto will not make from the
 * template (it skips AWS::AutoScaling::ScalingPolicy), so it is made here through the API.
 */
export interface HostGroupInMoto {
  name: string;
  scaleInPolicy: string;
  autoscaling: AutoScalingClient;
  desired(): Promise<number>;
  instances(): Promise<Array<{ id: string; protected: boolean; state: string }>>;
  /** Waits until the group has `count` hosts, and gives them. */
  hosts(count: number): Promise<string[]>;
  /** A metadata service for one of its hosts, whose target state is what moto says of it. */
  metadataFor(instanceId: string): Promise<Imds>;
}

export async function hostGroupInMoto(maxHosts = 2): Promise<HostGroupInMoto> {
  const at = { region: REGION, endpoint: endpoint() };
  const autoscaling = new AutoScalingClient(at);
  const ec2 = new EC2Client(at);
  const id = randomUUID().slice(0, 8);
  const { LaunchTemplate } = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `hosts-${id}`,
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' },
    }),
  );
  const name = `dockercise-hosts-${id}`;
  await autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: 0,
      MaxSize: maxHosts,
      DesiredCapacity: 0,
      AvailabilityZones: [`${REGION}a`],
      LaunchTemplate: { LaunchTemplateId: LaunchTemplate?.LaunchTemplateId ?? '', Version: '$Latest' },
      NewInstancesProtectedFromScaleIn: true,
    }),
  );
  const policy = `scale-in-one-${id}`;
  await autoscaling.send(
    new PutScalingPolicyCommand({
      AutoScalingGroupName: name,
      PolicyName: policy,
      PolicyType: 'SimpleScaling',
      AdjustmentType: 'ChangeInCapacity',
      ScalingAdjustment: -1,
    }),
  );
  bindAwsResources({ [name]: 'HostGroup', [policy]: 'ScaleInOne' });
  const describe = async () =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups?.[0];
  const instances = async () =>
    ((await describe())?.Instances ?? []).map((i) => ({
      id: i.InstanceId ?? '',
      protected: i.ProtectedFromScaleIn === true,
      state: i.LifecycleState ?? '',
    }));
  return {
    name,
    // By its name: moto gives no ARN back; AWS takes the name or the ARN (the stack's Ref gives).
    scaleInPolicy: policy,
    autoscaling,
    desired: async () => (await describe())?.DesiredCapacity ?? 0,
    instances,
    hosts: (count) =>
      eventually(
        async () => {
          const now = await instances();
          return now.length === count ? now.map((i) => i.id) : undefined;
        },
        20_000,
        `${count} hosts in the group`,
      ),
    metadataFor: (instanceId) => groupHostMetadata(instanceId, autoscaling),
  };
}

/** The hosts of a group (made by the stack, say), once it has `count`. */
export async function groupHosts(name: string, count: number): Promise<string[]> {
  const autoscaling = new AutoScalingClient({ region: REGION, endpoint: endpoint() });
  return eventually(
    async () => {
      const { AutoScalingGroups } = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      const ids = (AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '');
      return ids.length === count ? ids : undefined;
    },
    20_000,
    `${count} hosts in ${name}`,
  );
}

/** A metadata service for a host of a group, whose target state is what moto says of the host. */
export function groupHostMetadata(
  instanceId: string,
  autoscaling = new AutoScalingClient({ region: REGION, endpoint: endpoint() }),
): Promise<Imds> {
  return imdsServer(instanceId, REGION, async () => {
    const { AutoScalingInstances } = await autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
    );
    return AutoScalingInstances?.[0]?.LifecycleState ?? 'Terminated';
  });
}
