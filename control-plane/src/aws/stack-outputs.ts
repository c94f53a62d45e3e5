import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { StackOutputs } from '../store/store.js';
import type { AccountClients } from './account-access.js';

/**
 * The only queue URLs a registration may name: SQS's own endpoints in the account being connected.
 * Anything else (a host of the registrant's choosing) would make the control plane POST signed
 * jobs, deploy keys and SigV4 headers wherever it names.
 * https://docs.aws.amazon.com/general/latest/gr/sqs-service.html
 */
export function isSqsQueueUrl(url: string, accountId: string, region: string): boolean {
  const match =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(
      url,
    );
  return match !== null && match[1] === region && match[2] === accountId;
}

/**
 * S3's rules for a bucket name: 3-63 characters of lowercase letters, digits, dots and hyphens,
 * starting and ending with a letter or digit, no `..`, not an IP address.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function isBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--')
  );
}

/**
 * Reaches the queues and the bucket through the customer's role before they are saved, with calls
 * the role is granted: HeadBucket would need s3:ListBucket with no prefix, which the role has only
 * for `runs/` and `hosts/` (IAM treats a condition on a key the request lacks as false), so the
 * bucket is checked by listing one key under `runs/`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html#API_HeadBucket_Permissions
 */
export async function checkStackResources(
  clients: AccountClients,
  outputs: { queueUrl: string; deadLetterQueueUrl: string; bucket: string },
): Promise<void> {
  for (const QueueUrl of [outputs.queueUrl, outputs.deadLetterQueueUrl])
    await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await clients.s3.send(new ListObjectsV2Command({ Bucket: outputs.bucket, Prefix: 'runs/', MaxKeys: 1 }));
}

/** A host group's name, as the template makes it (`dockercise-hosts-<stack>`) or any valid one. */
const GROUP_NAME = /^[\w.:/-]{1,255}$/;

/**
 * The outputs the control plane keeps, from the stack's own (by their output names); undefined
 * when one is missing or malformed (a stack from an older template has no host group).
 */
export function outputsOf(o: Record<string, string | undefined>): StackOutputs | undefined {
  const maxHosts = Number(o.MaxHosts);
  const jobsPerHost = Number(o.JobsPerHost);
  if (!o.HostGroupName || !GROUP_NAME.test(o.HostGroupName)) return undefined;
  if (!Number.isInteger(maxHosts) || maxHosts < 1 || !Number.isInteger(jobsPerHost) || jobsPerHost < 1)
    return undefined;
  return {
    roleArn: o.RoleArn ?? '',
    queueUrl: o.QueueUrl ?? '',
    deadLetterQueueUrl: o.DeadLetterQueueUrl ?? '',
    bucket: o.BucketName ?? '',
    logGroup: o.LogGroupName ?? '',
    hostGroup: o.HostGroupName,
    maxHosts,
    jobsPerHost,
    region: o.Region ?? '',
  };
}
