import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_CALL_LOG_ENV } from '@dockercise/shared/node';

/**
 * Tells the IAM test (cloudformation/test/iam) which of the customer stack's resources a test's
 * own resource stands for: `{ "jobs-1a2b": "JobQueue" }`. A recorded call on a resource nobody
 * bound fails that test, so a harness that makes resources must say what they are.
 */
export function bindAwsResources(names: Record<string, string>): void {
  const dir = process.env[AWS_CALL_LOG_ENV];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(names).map(([bind, to]) => JSON.stringify({ bind, to }));
  appendFileSync(join(dir, `bindings-${process.pid}.jsonl`), `${lines.join('\n')}\n`);
}

/** A stack deployed into moto: each physical id, in the form calls name it, to its logical id. */
export function bindStackResources(stackName: string, physical: Record<string, string>): void {
  const names: Record<string, string> = { [stackName]: 'Stack' };
  for (const [logical, id] of Object.entries(physical)) {
    // Queues are named by URL (calls carry the URL; the IAM test takes its last segment).
    names[id.startsWith('http') ? (id.split('/').pop() ?? id) : id] = logical;
    // Roles are assumed by ARN.
    if (!id.includes(':') && !id.includes('/') && logical.endsWith('Role'))
      names[`arn:aws:iam::123456789012:role/${id}`] = logical;
  }
  bindAwsResources(names);
}
