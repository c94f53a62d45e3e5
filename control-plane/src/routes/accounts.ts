import { launchStackUrl } from '@dockercise/shared';
import { newExternalId } from '@dockercise/shared/node';
import { Hono } from 'hono';
import { z } from 'zod';
import type { CloudDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { requireUser } from '../middleware/session.js';

const newAccountSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
});
const outputsSchema = z.object({
  RoleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/),
  QueueUrl: z.url(),
  DeadLetterQueueUrl: z.url(),
  BucketName: z.string().min(3),
  LogGroupName: z.string().min(1),
  InstanceId: z.string().regex(/^i-[0-9a-f]+$/),
  Region: z.string(),
});

/** Connecting an AWS account: a launch link with a fresh ExternalId, then the stack's outputs, checked by assuming the role. */
export function accountRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requireUser(deps));

  app.post('/', async (c) => {
    const user = c.get('user');
    const body = newAccountSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      throw new HttpError(400, 'give { "accountId": "123456789012", "region": "eu-west-1" }');
    const account = await deps.store.createAccount({
      ...body.data,
      ownerId: user.id,
      externalId: newExternalId(),
    });
    if (account.ownerId !== user.id)
      throw new HttpError(409, 'this AWS account is connected by someone else');
    if (account.verifiedAt) throw new HttpError(409, 'this AWS account is already connected');
    const { config } = deps;
    const launchUrl = launchStackUrl({
      region: account.region,
      templateUrl: config.templateUrl,
      stackName: 'dockercise',
      parameters: {
        ControlPlaneAccountId: config.controlPlaneAccountId,
        ExternalId: account.externalId,
        JobSigningPublicKey: config.jobSigningPublicKey,
        AgentTarballUrl: `${config.publicUrl}/agent/dockercise-agent-${config.agentVersion}.tgz`,
        AgentVersion: config.agentVersion,
      },
    });
    return c.json({ accountId: account.accountId, launchUrl }, 201);
  });

  app.put('/:accountId', async (c) => {
    const user = c.get('user');
    const account = await deps.store.getAccount(c.req.param('accountId'));
    if (!account || account.ownerId !== user.id) throw new HttpError(404, 'no such AWS account');
    const outputs = outputsSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!outputs.success)
      throw new HttpError(400, `give the stack's outputs: ${Object.keys(outputsSchema.shape).join(', ')}`);
    const o = outputs.data;
    if (!o.RoleArn.includes(`::${account.accountId}:`))
      throw new HttpError(400, 'the role belongs to another account');
    const registered = {
      roleArn: o.RoleArn,
      queueUrl: o.QueueUrl,
      deadLetterQueueUrl: o.DeadLetterQueueUrl,
      bucket: o.BucketName,
      logGroup: o.LogGroupName,
      instanceId: o.InstanceId,
      region: o.Region,
    };
    try {
      await deps.access.verify({ ...account, ...registered });
    } catch (error) {
      throw new HttpError(
        400,
        `could not assume ${o.RoleArn} with this account's ExternalId: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const saved = await deps.store.registerAccount(account.accountId, registered, new Date().toISOString());
    return c.json({ accountId: saved.accountId, verifiedAt: saved.verifiedAt });
  });
  return app;
}
