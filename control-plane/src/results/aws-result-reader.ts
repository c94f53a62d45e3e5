import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  CANCEL_MARKER,
  logStreamName,
  type RunResult,
  resultPaths,
  runPrefix,
  runResultSchema,
} from '@dockercise/shared';
import type { AccountAccess, AccountClients } from '../aws/account-access.js';
import type { AwsAccount } from '../store/store.js';
import { AccountUnreachableError, RunNotStartedError } from './errors.js';
import type { ArtifactDownload, LogPage, ResultReader, RunLocation } from './result-reader.js';

/** How long a download link lasts: long enough to start the download, too short to share. */
const ARTIFACT_URL_SECONDS = 300;

/** Results in the customer's own account, read through the role the control plane assumes. */
export class AwsResultReader implements ResultReader {
  constructor(
    private readonly access: AccountAccess,
    /** The account's registration: where its bucket and log group are, and the role to reach them. */
    private readonly accounts: (accountId: string) => Promise<AwsAccount | undefined>,
  ) {}

  async result(run: RunLocation): Promise<RunResult | undefined> {
    const account = await this.account(run);
    if (!account.bucket) return undefined;
    const text = await readObject(
      await this.clients(account),
      account.bucket,
      runPrefix(run.pipeline, run.runId) + resultPaths.result,
    );
    return text === undefined ? undefined : runResultSchema.parse(JSON.parse(text));
  }

  async log(run: RunLocation, step: string, token?: string): Promise<LogPage> {
    const account = await this.account(run);
    const aws = await this.clients(account);
    if (!token && account.bucket) {
      // A finished step's whole log is one S3 object; a running step's is only in CloudWatch so far.
      const text = await readObject(
        aws,
        account.bucket,
        runPrefix(run.pipeline, run.runId) + resultPaths.log(step),
      );
      if (text !== undefined)
        return { source: 's3', lines: text.split('\n').filter(Boolean), complete: true };
    }
    if (!account.logGroup) throw new RunNotStartedError('the account has no log group registered');
    try {
      const page = await aws.logs.send(
        new GetLogEventsCommand({
          logGroupName: account.logGroup,
          logStreamName: logStreamName(run.pipeline, run.runId, step),
          startFromHead: true,
          limit: 1000,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      const lines = (page.events ?? []).map(
        // CloudWatch keeps no stream: `-` where a stored log says out or err.
        (e) => `${new Date(e.timestamp ?? 0).toISOString()} - ${e.message ?? ''}`,
      );
      return {
        source: 'cloudwatch',
        lines,
        ...(page.nextForwardToken ? { nextToken: page.nextForwardToken } : {}),
        complete: false,
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException')
        return { source: 'cloudwatch', lines: [], complete: false };
      throw error;
    }
  }

  async output(run: RunLocation, step: string): Promise<Uint8Array | undefined> {
    const account = await this.account(run);
    if (!account.bucket) return undefined;
    const aws = await this.clients(account);
    try {
      const object = await aws.s3.send(
        new GetObjectCommand({
          Bucket: account.bucket,
          Key: runPrefix(run.pipeline, run.runId) + resultPaths.output(step),
        }),
      );
      return object.Body ? await object.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Presigned with the customer's role, for five minutes: the browser fetches the bytes from S3. */
  async artifact(run: RunLocation, step: string, path: string): Promise<ArtifactDownload> {
    const account = await this.account(run);
    if (!account.bucket) throw new RunNotStartedError('the run has not started');
    const aws = await this.clients(account);
    const name = path.split('/').pop() ?? path;
    const url = await getSignedUrl(
      aws.s3,
      new GetObjectCommand({
        Bucket: account.bucket,
        Key: runPrefix(run.pipeline, run.runId) + resultPaths.artifact(step, path),
        ResponseContentDisposition: `attachment; filename="${name.replace(/["\\]/g, '_')}"`,
      }),
      { expiresIn: ARTIFACT_URL_SECONDS },
    );
    return { redirect: url };
  }

  async requestCancel(run: RunLocation): Promise<void> {
    const account = await this.account(run);
    if (!account.bucket) throw new RunNotStartedError('the run is not running');
    const aws = await this.clients(account);
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: account.bucket,
        Key: runPrefix(run.pipeline, run.runId) + CANCEL_MARKER,
        Body: '',
      }),
    );
  }

  private async account(run: RunLocation): Promise<AwsAccount> {
    const account = await this.accounts(run.accountId);
    if (!account) throw new RunNotStartedError(`account ${run.accountId} is not registered`);
    return account;
  }

  private async clients(account: AwsAccount): Promise<AccountClients> {
    try {
      return await this.access.clients(account);
    } catch (error) {
      throw new AccountUnreachableError(`could not assume the account's role: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

async function readObject(aws: AccountClients, bucket: string, key: string): Promise<string | undefined> {
  try {
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body ? await object.Body.transformToString() : undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * A key that is not there. Without s3:ListBucket S3 answers 403 AccessDenied, not 404, for a missing
 * key, so a run with no result.json yet reads as forbidden: both mean "not written yet".
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)
 */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'AccessDenied';
}
