/**
 * The instance metadata service (IMDSv2): a session token first, then what the instance is. The
 * token is kept until shortly before it expires.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
 */
export class InstanceMetadata {
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly endpoint = 'http://169.254.169.254',
    private readonly timeoutMs = 2000,
  ) {}

  async identity(): Promise<{ instanceId: string; region: string }> {
    const [instanceId, region] = await Promise.all([this.get('instance-id'), this.get('placement/region')]);
    return { instanceId: instanceId ?? '', region: region ?? '' };
  }

  /**
   * Where the Auto Scaling group is taking the instance: `InService`, `Warmed:Stopped` (back to
   * the warm pool), `Terminated`…; undefined off an Auto Scaling group.
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html
   */
  targetLifecycleState(): Promise<string | undefined> {
    return this.get('autoscaling/target-lifecycle-state', true);
  }

  private async get(path: string, optional = false): Promise<string | undefined> {
    const token = await this.session();
    const response = await this.request('GET', `/latest/meta-data/${path}`, {
      'X-aws-ec2-metadata-token': token,
    });
    if (optional && response.status === 404) return undefined;
    if (!response.ok) throw new Error(`instance metadata GET ${path}: HTTP ${response.status}`);
    return (await response.text()).trim();
  }

  private async session(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const response = await this.request('PUT', '/latest/api/token', {
      'X-aws-ec2-metadata-token-ttl-seconds': '300',
    });
    if (!response.ok) throw new Error(`instance metadata PUT /latest/api/token: HTTP ${response.status}`);
    this.token = { value: (await response.text()).trim(), until: Date.now() + 240_000 };
    return this.token.value;
  }

  private request(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    return fetch(new URL(path, this.endpoint), {
      method,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }
}
