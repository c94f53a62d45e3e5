import type { AwsAccount, Store } from '../store/store.js';
import type { AccountAccess } from './account-access.js';
import { discoverStack } from './stack-discovery.js';
import { isBucketName, isSqsQueueUrl, outputsOf } from './stack-outputs.js';

/**
 * AWS errors that say the registered outputs no longer name the stack's resources: an update
 * replaced the queue (or the group), and the role's policy now names the new one.
 */
const STALE = new Set([
  // The group was renamed (a new stack name), or the outputs are of a stack from before groups.
  'ValidationError',
  'StackOutdatedError',
  'AccessDenied',
  'AccessDeniedException',
  'AWS.SimpleQueueService.NonExistentQueue',
  'QueueDoesNotExist',
  'NoSuchBucket',
]);

export function isStaleOutputs(error: unknown): boolean {
  return STALE.has((error as { name?: string }).name ?? '');
}

/**
 * Reads the stack's outputs again through its role and registers them when they changed: the
 * account as registered now, or undefined when nothing changed or the stack cannot be read. Called
 * when AWS says the registered outputs are stale, not on a timer: an idle account costs nothing.
 */
export async function refreshOutputs(
  access: AccountAccess,
  store: Store,
  account: AwsAccount,
  now: Date,
): Promise<AwsAccount | undefined> {
  const found = await discoverStack(access, account);
  if (found.stage !== 'stack-found') return undefined;
  const next = outputsOf(found.outputs);
  if (!next) return undefined;
  const valid =
    next.roleArn.includes(`::${account.accountId}:`) &&
    isSqsQueueUrl(next.queueUrl, account.accountId, next.region) &&
    isSqsQueueUrl(next.deadLetterQueueUrl, account.accountId, next.region) &&
    isBucketName(next.bucket);
  if (!valid) return undefined;
  const unchanged = (Object.keys(next) as Array<keyof typeof next>).every((k) => account[k] === next[k]);
  if (unchanged) return undefined;
  const saved = await store.registerAccount(account.accountId, next, now.toISOString());
  await access.verify(saved);
  return saved;
}
