import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { recordAwsCalls } from '@dockercise/shared/node';
import type { AccountAccess } from './account-access.js';

/** What the quick-create link names the stack, and what the template names the role. */
export const STACK_NAME = 'dockercise';
export const controlPlaneRoleArn = (accountId: string, region: string): string =>
  `arn:aws:iam::${accountId}:role/dockercise-control-plane-${region}`;

/** How far connecting an account has come, as the accounts page shows it. */
export type Discovery =
  | { stage: 'waiting-for-stack'; detail: string }
  | { stage: 'role-assumed'; detail: string }
  | {
      stage: 'stack-found';
      outputs: Record<string, string>;
      /** The stack's id (its ARN) and its parameters' names: what an update link needs. */
      stackId: string;
      parameters: string[];
    };

const DONE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/**
 * Finds the customer's stack without anything pasted: assumes the role the template names, with
 * the account's ExternalId, and reads the stack's outputs once the stack is complete. Until the
 * role exists (the stack is being created) AssumeRole fails, which is a stage, not an error.
 */
export async function discoverStack(
  access: AccountAccess,
  account: { accountId: string; region: string; externalId: string },
): Promise<Discovery> {
  const { endpoint } = access;
  const roleArn = controlPlaneRoleArn(account.accountId, account.region);
  let credentials: Awaited<ReturnType<AccountAccess['credentials']>>;
  try {
    credentials = await access.credentials({ ...account, roleArn });
  } catch (error) {
    return {
      stage: 'waiting-for-stack',
      detail: `cannot assume ${roleArn} yet: ${(error as Error).message}`,
    };
  }
  const cloudformation = recordAwsCalls(
    new CloudFormationClient({
      region: account.region,
      credentials,
      maxAttempts: 3,
      ...(endpoint ? { endpoint } : {}),
    }),
    'ControlPlaneRole',
  );
  try {
    return await readStack(cloudformation);
  } finally {
    cloudformation.destroy();
  }
}

/** The stack's outputs once it is complete, through a client of its account's role. */
export async function readStack(
  cloudformation: CloudFormationClient,
): Promise<Exclude<Discovery, { stage: 'waiting-for-stack' }>> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK_NAME }));
    const stack = Stacks?.[0];
    if (!stack?.StackStatus || !DONE.has(stack.StackStatus))
      return { stage: 'role-assumed', detail: `the stack is ${stack?.StackStatus ?? 'not there'}` };
    const outputs = Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
    const parameters = (stack.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [p.ParameterKey] : []));
    return { stage: 'stack-found', outputs, stackId: stack.StackId ?? STACK_NAME, parameters };
  } catch (error) {
    return {
      stage: 'role-assumed',
      detail: `cannot read the stack ${STACK_NAME}: ${(error as Error).message}`,
    };
  }
}
