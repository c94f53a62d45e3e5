import {
  type AutoScalingClient,
  ExecutePolicyCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import { type HostGroup, IN_SERVICE } from '../../backend/host-group.js';
import { awsErrorName } from './clients.js';
import type { InstanceMetadata } from './instance-metadata.js';

const BUSY = new Set(['ScalingActivityInProgress', 'ScalingActivityInProgressFault']);

/**
 * The stack's Auto Scaling group. Leaving is the stack's scale-in-by-one policy: executing it needs
 * no knowledge of the group's size (DescribeAutoScalingGroups cannot be scoped to one group), and
 * a host that dropped its protection first is the one the group removes, to its warm pool.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html
 */
export class AsgHostGroup implements HostGroup {
  constructor(
    private readonly autoscaling: AutoScalingClient,
    private readonly metadata: InstanceMetadata,
    private readonly group: { name: string; scaleInPolicy: string; instanceId: string },
    private readonly busyRetryDelaysMs: readonly number[] = [2_000, 4_000, 8_000, 16_000],
  ) {}

  async targetState(): Promise<string> {
    return (await this.metadata.targetLifecycleState()) ?? IN_SERVICE;
  }

  async protect(fromScaleIn: boolean): Promise<void> {
    await this.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: this.group.name,
        InstanceIds: [this.group.instanceId],
        ProtectedFromScaleIn: fromScaleIn,
      }),
    );
  }

  /**
   * Two hosts idle at once both run the policy; the second meets the first's scaling activity and
   * is refused (ScalingActivityInProgress). It tries again for about half a minute rather than
   * serving on for another whole idle period.
   */
  async scaleInOne(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.autoscaling.send(
          new ExecutePolicyCommand({
            AutoScalingGroupName: this.group.name,
            PolicyName: this.group.scaleInPolicy,
            HonorCooldown: false,
          }),
        );
        return;
      } catch (error) {
        const delay = this.busyRetryDelaysMs[attempt];
        if (!BUSY.has(awsErrorName(error)) || delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
