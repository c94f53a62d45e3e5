import { AssumeRoleCommand, type Credentials, STSClient } from '@aws-sdk/client-sts';
import { CredentialsRefusedError } from '../runner/step-credentials.js';
import type { AssumeRequest, RoleAssumer, RoleCredentials } from './role-session.js';

/**
 * An hour: the most a session may last when it is assumed with another role's credentials (the
 * instance role: "role chaining"), and what RoleSession renews before it ends.
 */
const SESSION_SECONDS = 3600;

/**
 * Assumes a step's role with STS, using whatever credentials the client has: the instance role on
 * a host, the user's own (environment, profile, SSO) under `dockercise run` and the local server.
 * The SDK retries throttling and 5xx with backoff; what is left is AWS's answer, in a sentence.
 */
export function stsRoleAssumer(sts: STSClient): RoleAssumer {
  return {
    async assume(request: AssumeRequest): Promise<RoleCredentials> {
      let c: Credentials | undefined;
      try {
        const answer = await sts.send(
          new AssumeRoleCommand({
            RoleArn: request.roleArn,
            RoleSessionName: request.sessionName,
            DurationSeconds: SESSION_SECONDS,
            Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        c = answer.Credentials;
      } catch (error) {
        throw new CredentialsRefusedError(refusal(request.roleArn, error));
      }
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
        throw new CredentialsRefusedError(`STS gave no credentials for ${request.roleArn}`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    },
  };
}

function refusal(roleArn: string, error: unknown): string {
  const name = (error as { name?: string }).name ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'CredentialsProviderError')
    return `there are no AWS credentials to assume ${roleArn} with: ${message} (set AWS_PROFILE or --aws-profile, or sign in with aws sso login)`;
  return `AWS refused to let this step assume ${roleArn}: ${message}`;
}

/**
 * The user's own STS client, for `dockercise run` and the local server: the SDK's default chain
 * (environment, `AWS_PROFILE` or `profile`, SSO) and its endpoint variables (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_STS`: moto, in the tests).
 */
export function userRoleAssumer(profile?: string): RoleAssumer {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return stsRoleAssumer(new STSClient({ region, maxAttempts: 5, ...(profile ? { profile } : {}) }));
}
