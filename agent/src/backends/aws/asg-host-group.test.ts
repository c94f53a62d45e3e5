import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { AsgHostGroup } from './asg-host-group.js';
import type { InstanceMetadata } from './instance-metadata.js';

/** An Auto Scaling client that refuses the first `busy` calls as AWS does while the group scales. */
function groupBusyFor(busy: number, name = 'ScalingActivityInProgress') {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      if (calls.length <= busy) throw Object.assign(new Error('Scaling activity is in progress'), { name });
      return {};
    },
  } as unknown as AutoScalingClient;
  const group = new AsgHostGroup(
    client,
    {} as InstanceMetadata,
    { name: 'hosts', scaleInPolicy: 'ScaleInOne', instanceId: 'i-1' },
    [1, 1, 1],
  );
  return { group, calls };
}

describe('an idle host leaving its Auto Scaling group', () => {
  it('tries the scale-in again while another host is leaving at the same moment', async () => {
    const { group, calls } = groupBusyFor(2);
    await group.scaleInOne();
    expect(calls).toEqual(['ExecutePolicyCommand', 'ExecutePolicyCommand', 'ExecutePolicyCommand']);
  });

  it('gives up after a few tries, and at once on any other refusal', async () => {
    const busy = groupBusyFor(10);
    await expect(busy.group.scaleInOne()).rejects.toThrow('Scaling activity is in progress');
    expect(busy.calls).toHaveLength(4);
    const denied = groupBusyFor(10, 'AccessDenied');
    await expect(denied.group.scaleInOne()).rejects.toThrow();
    expect(denied.calls).toHaveLength(1);
  });
});
