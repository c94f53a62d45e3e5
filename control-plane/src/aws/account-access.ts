import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type RecordableClient, recordAwsCalls } from '@dockercise/shared/node';
import type { AwsAccount } from '../store/store.js';

/** Every call through an account's clients is made as the stack's ControlPlaneRole. */
const asRole = <C extends RecordableClient>(client: C): C => recordAwsCalls(client, 'ControlPlaneRole');

export interface AccountClients {
  sqs: SQSClient;
  s3: S3Client;
  autoscaling: AutoScalingClient;
  logs: CloudWatchLogsClient;
  cloudformation: CloudFormationClient;
}

/** Credentials are renewed this long before they expire, so no call starts with a dying session. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/**
 * Clients for a customer's account, through its role: AssumeRole always with the account's
 * ExternalId, and the session kept until shortly before it expires.
 */
export class AccountAccess {
  private readonly sessions = new Map<string, { expires: number; clients: Promise<AccountClients> }>();

  constructor(
    private readonly sts: STSClient,
    /** moto's, in tests; AWS's own endpoints otherwise. */
    readonly endpoint?: string,
    private readonly now: () => number = Date.now,
  ) {}

  static create(region: string, endpoint?: string): AccountAccess {
    // The control plane's own identity: all it does is assume each account's role.
    const sts = recordAwsCalls(new STSClient({ region, ...(endpoint ? { endpoint } : {}) }), 'ControlPlane');
    return new AccountAccess(sts, endpoint);
  }

  clients(account: AwsAccount): Promise<AccountClients> {
    const cached = this.sessions.get(account.accountId);
    if (cached && cached.expires - RENEW_BEFORE_MS > this.now()) return cached.clients;
    const session = this.assume(account);
    // Until the session is known its expiry is unknown; a failed attempt is not kept.
    const entry = { expires: Number.POSITIVE_INFINITY, clients: session.then((s) => s.clients) };
    this.sessions.set(account.accountId, entry);
    session.then(
      (s) => {
        entry.expires = s.expires;
      },
      () => this.sessions.delete(account.accountId),
    );
    return entry.clients;
  }

  /** Checks that the role can be assumed: how an account registration is verified. */
  async verify(account: AwsAccount): Promise<void> {
    this.sessions.delete(account.accountId);
    await this.clients(account);
  }

  /** A fresh session's credentials, not kept: for a role that may not exist yet (stack discovery). */
  async credentials(
    account: Pick<AwsAccount, 'accountId' | 'externalId' | 'roleArn'>,
  ): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
    return (await this.session(account)).credentials;
  }

  private async session(account: Pick<AwsAccount, 'accountId' | 'externalId' | 'roleArn'>) {
    if (!account.roleArn) throw new Error(`account ${account.accountId} has no role registered`);
    const { Credentials } = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: account.roleArn,
        RoleSessionName: 'dockercise-control-plane',
        ExternalId: account.externalId,
        DurationSeconds: 3600,
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey)
      throw new Error(`AssumeRole gave no credentials for ${account.accountId}`);
    const credentials = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      ...(Credentials.SessionToken ? { sessionToken: Credentials.SessionToken } : {}),
    };
    const expires = Credentials.Expiration ? Credentials.Expiration.getTime() : this.now() + 15 * 60 * 1000;
    return { credentials, expires };
  }

  private async assume(account: AwsAccount): Promise<{ expires: number; clients: AccountClients }> {
    const { credentials, expires } = await this.session(account);
    const config = {
      region: account.region,
      credentials,
      maxAttempts: 5,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
    };
    return {
      expires,
      clients: {
        // Queue URLs are the customer's data: never let one choose the host requests go to.
        sqs: asRole(new SQSClient({ ...config, useQueueUrlAsEndpoint: false })),
        s3: asRole(new S3Client({ ...config, forcePathStyle: this.endpoint !== undefined })),
        autoscaling: asRole(new AutoScalingClient(config)),
        logs: asRole(new CloudWatchLogsClient(config)),
        cloudformation: asRole(new CloudFormationClient(config)),
      },
    };
  }
}
