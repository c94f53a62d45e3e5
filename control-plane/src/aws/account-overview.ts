import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { updateStackUrl } from '@dockercise/shared';
import type { AwsAccount, RunRecord } from '../store/store.js';
import type { AccountAccess } from './account-access.js';
import { readHostReports } from './host-reports.js';
import { readStack, STACK_NAME } from './stack-discovery.js';

/** What an update to the newest agent changes; every other parameter keeps its value. */
export interface NewestAgent {
  version: string;
  tarballUrl: string;
  tarballSha256?: string;
  templateUrl: string;
}

/**
 * What the account page shows: the hosts' own reports, the queue's depth and the stack's agent
 * version (with how to update it when a newer one is out), read through the role; each is null
 * when it cannot be read (an older stack without DescribeStacks, say), so one unreadable part
 * never hides the others.
 */
export async function accountOverview(
  access: AccountAccess,
  account: AwsAccount,
  runs: readonly RunRecord[],
  newest: NewestAgent,
  now: number,
) {
  // Through the account's cached session: the page polls, and a fresh AssumeRole each time would
  // cost a request to STS per look.
  const clients = access.clients(account);
  const [queue, stack, hosts] = await Promise.all([
    (async () => {
      if (!account.queueUrl) return null;
      const { Attributes } = await (await clients).sqs.send(
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
    clients
      .then((c) => readStack(c.cloudformation))
      .then(
        (found) => {
          const agentVersion = found.stage === 'stack-found' ? found.outputs.AgentVersion : undefined;
          if (found.stage !== 'stack-found' || !agentVersion) return null;
          const behind = agentVersion !== newest.version;
          return {
            agentVersion,
            newest: newest.version,
            behind,
            ...(found.outputs.TemplateVersion ? { templateVersion: found.outputs.TemplateVersion } : {}),
            ...(behind ? updateOf(account.region, found.stackId, found.parameters, newest) : {}),
          };
        },
        () => null,
      ),
    (async () => (account.bucket ? await readHostReports(await clients, account.bucket, now) : null))().catch(
      () => null,
    ),
  ]);
  return {
    accountId: account.accountId,
    region: account.region,
    queue,
    stack,
    hosts,
    capacity:
      account.capacityWanted !== undefined && account.capacityRequestedAt
        ? { wanted: account.capacityWanted, requestedAt: account.capacityRequestedAt }
        : null,
    runs: runs.map((run) => ({
      pipeline: run.pipeline,
      runId: run.runId,
      commit: run.commit,
      status: run.status === 'invalid' ? 'failed' : (run.summary?.status ?? 'pending'),
      createdAt: run.createdAt,
    })),
  };
}

const AGENT_PARAMETERS = ['AgentVersion', 'AgentTarballUrl', 'AgentTarballSha256'];

/** The console's update page, and the CLI command that does the same with every other value kept. */
export function updateOf(
  region: string,
  stackId: string,
  parameters: readonly string[],
  newest: NewestAgent,
) {
  const given: Record<string, string | undefined> = {
    AgentVersion: newest.version,
    AgentTarballUrl: newest.tarballUrl,
    AgentTarballSha256: newest.tarballSha256,
  };
  const values = [
    ...AGENT_PARAMETERS.flatMap((key) =>
      given[key] ? [`ParameterKey=${key},ParameterValue=${given[key]}`] : [],
    ),
    ...parameters
      .filter((key) => !AGENT_PARAMETERS.includes(key) || !given[key])
      .map((key) => `ParameterKey=${key},UsePreviousValue=true`),
  ];
  return {
    // The console's update page cannot be given parameter values (only the quick-create page
    // can), and keeps each one's previous value: the page shows these beside the link.
    updateParameters: Object.fromEntries(
      AGENT_PARAMETERS.flatMap((key) => (given[key] ? [[key, given[key]]] : [])),
    ) as Record<string, string>,
    updateUrl: updateStackUrl({ region, stackId, templateUrl: newest.templateUrl }),
    updateCommand: [
      `aws cloudformation update-stack --region ${region} --stack-name ${STACK_NAME}`,
      `--template-url ${newest.templateUrl} --capabilities CAPABILITY_NAMED_IAM`,
      `--parameters ${values.join(' ')}`,
    ].join(' '),
  };
}
