import { type EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';

/** The instance metadata service (IMDSv2): a session token first, then the instance's identity. */
export class InstanceMetadata {
  constructor(
    private readonly endpoint = 'http://169.254.169.254',
    private readonly timeoutMs = 2000,
  ) {}

  async identity(): Promise<{ instanceId: string; region: string }> {
    const token = await this.request('PUT', '/latest/api/token', {
      'X-aws-ec2-metadata-token-ttl-seconds': '300',
    });
    const headers = { 'X-aws-ec2-metadata-token': token };
    const [instanceId, region] = await Promise.all([
      this.request('GET', '/latest/meta-data/instance-id', headers),
      this.request('GET', '/latest/meta-data/placement/region', headers),
    ]);
    return { instanceId, region };
  }

  private async request(method: string, path: string, headers: Record<string, string>): Promise<string> {
    const response = await fetch(new URL(path, this.endpoint), {
      method,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`instance metadata ${method} ${path}: HTTP ${response.status}`);
    return (await response.text()).trim();
  }
}

/** Stops this EC2 instance: the host sleeps between jobs, and the control plane starts it again. */
export async function stopOwnInstance(
  metadata: InstanceMetadata,
  ec2For: (region: string) => EC2Client,
): Promise<string> {
  const { instanceId, region } = await metadata.identity();
  await ec2For(region).send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  return instanceId;
}
