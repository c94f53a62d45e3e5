import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AccountAccess } from '../aws/account-access.js';
import { readStack } from '../aws/stack-discovery.js';
import type { AwsAccount, RunRecord } from '../store/store.js';

/**
 * What the account page shows: the queue's depth and the stack's agent version, read through the
 * role; each is null when it cannot be read (an older stack without DescribeStacks, say), so one
 * unreadable part never hides the others.
 */
export async function accountOverview(
  access: AccountAccess,
  account: AwsAccount,
  runs: readonly RunRecord[],
  newestAgent: string,
) {
  const [queue, stack] = await Promise.all([
    (async () => {
      if (!account.queueUrl) return null;
      const { Attributes } = await (await access.clients(account)).sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: account.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        waiting: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
        running: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    })().catch(() => null),
    // Through the account's cached session: the page polls, and a fresh AssumeRole each time would
    // cost a request to STS per look.
    access
      .clients(account)
      .then((clients) => readStack(clients.cloudformation))
      .then(
        (found) => {
          const agentVersion = found.stage === 'stack-found' ? found.outputs.AgentVersion : undefined;
          return agentVersion
            ? { agentVersion, newest: newestAgent, behind: agentVersion !== newestAgent }
            : null;
        },
        () => null,
      ),
  ]);
  return {
    accountId: account.accountId,
    region: account.region,
    queue,
    stack,
    runs: runs.map((run) => ({
      pipeline: run.pipeline,
      runId: run.runId,
      commit: run.commit,
      status: run.status === 'invalid' ? 'failed' : (run.summary?.status ?? 'pending'),
      createdAt: run.createdAt,
    })),
  };
}
