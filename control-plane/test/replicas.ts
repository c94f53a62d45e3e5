import { generateKeyPairSync } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseSignedJob } from '@dockercise/shared/node';
import { endpoint } from '../../agent/test/aws-harness.js';
import { type ControlPlaneProcess, startControlPlane } from '../../bench/control-plane-process.js';
import type { customerAccount } from './harness.js';

export { pushDelivery } from '../../bench/control-plane-process.js';
export type Replica = ControlPlaneProcess;

export const STORE_SECRET = 'replicas-store-secret-0123456789abcdef';
export const signing = generateKeyPairSync('ed25519');

/** A replica of the hosted control plane, its own process, on the tests' moto. */
export function startReplica(settings: { database: string; github: string }): Promise<Replica> {
  return startControlPlane({
    ...settings,
    awsEndpoint: endpoint(),
    storeSecret: STORE_SECRET,
    signingKeyPem: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    // Quick to take over a dead replica's builds, and to look for work, in a test's time.
    env: { DOCKERCISE_BUILD_CLAIM_SECONDS: '3', DOCKERCISE_RECONCILE_SECONDS: '1' },
  });
}

/** Every job on the account's queue, by run: taken off it (and kept out of sight a while). */
export async function drainJobs(
  account: Awaited<ReturnType<typeof customerAccount>>,
): Promise<Map<string, number>> {
  const byRun = new Map<string, number>();
  for (let empty = 0; empty < 3; ) {
    const { Messages } = await account.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: account.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
      }),
    );
    if (!Messages?.length) {
      empty++;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    empty = 0;
    for (const message of Messages) {
      const parsed = parseSignedJob(message.Body ?? '', signing.publicKey);
      if (!parsed.ok) throw new Error(`a job that does not verify: ${parsed.reason}`);
      const runId = parsed.message.job.runId;
      byRun.set(runId, (byRun.get(runId) ?? 0) + 1);
    }
  }
  return byRun;
}
