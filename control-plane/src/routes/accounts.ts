import { launchStackUrl } from '@dockercise/shared';
import { newExternalId } from '@dockercise/shared/node';
import { Hono } from 'hono';
import { z } from 'zod';
import { accountOverview } from '../aws/account-overview.js';
import { discoverStack } from '../aws/stack-discovery.js';
import { checkStackResources, isBucketName, isSqsQueueUrl } from '../aws/stack-outputs.js';
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
  HostGroupName: z.string().regex(/^[\w.:/-]{1,255}$/),
  // Numbers as CloudFormation gives every output: text.
  MaxHosts: z.coerce.number().int().min(1).max(1000),
  JobsPerHost: z.coerce.number().int().min(1).max(64),
  Region: z.string(),
});

/** How long an unproven claim on an account lasts: enough to create the stack, not to squat. */
const CLAIM_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Connecting an AWS account: a claim with a fresh ExternalId and its launch link, then the stack's
 * outputs, checked by assuming the role with that ExternalId and reaching the queues and bucket.
 * Only then is the account the user's: a claim alone blocks nobody.
 */
export function accountRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requireUser(deps));
  const now = (): Date => (deps.now ?? (() => new Date()))();

  /** The user's accounts: connected ones, then claims still being connected. */
  app.get('/', async (c) => {
    const { accounts, claims } = await deps.store.accountsOf(c.get('user').id);
    const at = now().getTime();
    return c.json({
      accounts: [
        ...accounts.map((a) => ({ accountId: a.accountId, region: a.region, connected: true })),
        ...claims
          .filter(
            (claim) =>
              Date.parse(claim.expiresAt) > at && !accounts.some((a) => a.accountId === claim.accountId),
          )
          .map((claim) => ({ accountId: claim.accountId, region: claim.region, connected: false })),
      ],
    });
  });

  /** The account page: its queue, its stack's agent version against the newest, its last runs. */
  app.get('/:accountId/overview', async (c) => {
    const account = await deps.store.getAccount(c.req.param('accountId'));
    if (!account?.verifiedAt || account.ownerId !== c.get('user').id)
      throw new HttpError(404, 'no such AWS account');
    const runs = await deps.store.recentRuns(account.accountId, 10);
    const { config } = deps;
    const newest = {
      version: config.agentVersion,
      tarballUrl: agentTarballUrl(config),
      ...(config.agentTarballSha256 ? { tarballSha256: config.agentTarballSha256 } : {}),
      templateUrl: config.templateUrl,
    };
    return c.json(await accountOverview(deps.access, account, runs, newest, now().getTime()));
  });

  app.post('/', async (c) => {
    const user = c.get('user');
    const body = newAccountSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      throw new HttpError(400, 'give { "accountId": "123456789012", "region": "eu-west-1" }');
    const existing = await deps.store.getAccount(body.data.accountId);
    if (existing?.verifiedAt)
      throw new HttpError(
        409,
        existing.ownerId === user.id
          ? 'this AWS account is already connected'
          : 'this AWS account is connected by someone else',
      );
    const claim = await deps.store.claimAccount(
      {
        userId: user.id,
        ...body.data,
        externalId: newExternalId(),
        expiresAt: new Date(now().getTime() + CLAIM_LIFETIME_MS).toISOString(),
      },
      now().toISOString(),
    );
    const { config } = deps;
    if (!config.agentTarballSha256)
      throw new HttpError(503, 'this control plane has no agent tarball to offer (DOCKERCISE_AGENT_DIR)');
    const launchUrl = launchStackUrl({
      region: claim.region,
      templateUrl: config.templateUrl,
      stackName: 'dockercise',
      parameters: {
        ControlPlaneRoleArn: config.controlPlaneRoleArn,
        ExternalId: claim.externalId,
        JobSigningPublicKey: config.jobSigningPublicKey,
        AgentTarballUrl: agentTarballUrl(config),
        AgentTarballSha256: config.agentTarballSha256,
        AgentVersion: config.agentVersion,
      },
    });
    return c.json({ accountId: claim.accountId, launchUrl, claimExpiresAt: claim.expiresAt }, 201);
  });

  /** The signed-in user's own connected account, or their live claim on it; 404/409 otherwise. */
  const claimOrAccount = async (userId: number, accountId: string) => {
    const owned = await deps.store.getAccount(accountId);
    const mine = owned?.verifiedAt && owned.ownerId === userId ? owned : undefined;
    const claim = mine ? undefined : await deps.store.getClaim(userId, accountId);
    if (!mine && !claim) throw new HttpError(404, 'no such AWS account: connect it first');
    if (claim && Date.parse(claim.expiresAt) < now().getTime())
      throw new HttpError(409, 'the claim on this account expired: connect it again for a new launch link');
    if (!mine && owned?.verifiedAt) throw new HttpError(409, 'this AWS account is connected by someone else');
    return {
      mine,
      claim,
      externalId: (mine ?? claim)?.externalId ?? '',
      region: (mine ?? claim)?.region ?? '',
    };
  };

  /** Checks the stack's outputs through its role, and makes the account the user's. */
  const register = async (userId: number, accountId: string, body: unknown) => {
    const { claim, externalId } = await claimOrAccount(userId, accountId);
    const outputs = outputsSchema.safeParse(body);
    if (!outputs.success)
      throw new HttpError(400, `give the stack's outputs: ${Object.keys(outputsSchema.shape).join(', ')}`);
    const o = outputs.data;
    if (!o.RoleArn.includes(`::${accountId}:`))
      throw new HttpError(400, 'the role belongs to another account');
    for (const [name, url] of [
      ['QueueUrl', o.QueueUrl],
      ['DeadLetterQueueUrl', o.DeadLetterQueueUrl],
    ] as const)
      if (!isSqsQueueUrl(url, accountId, o.Region))
        throw new HttpError(
          400,
          `${name} must be an SQS queue of account ${accountId} in ${o.Region}: https://sqs.${o.Region}.amazonaws.com/${accountId}/<name>`,
        );
    if (!isBucketName(o.BucketName)) throw new HttpError(400, 'BucketName is not a valid S3 bucket name');
    const registered = {
      roleArn: o.RoleArn,
      queueUrl: o.QueueUrl,
      deadLetterQueueUrl: o.DeadLetterQueueUrl,
      bucket: o.BucketName,
      logGroup: o.LogGroupName,
      hostGroup: o.HostGroupName,
      maxHosts: o.MaxHosts,
      jobsPerHost: o.JobsPerHost,
      region: o.Region,
    };
    const candidate = { accountId, ownerId: userId, externalId, ...registered };
    try {
      await deps.access.verify(candidate);
      await checkStackResources(await deps.access.clients(candidate), registered);
    } catch (error) {
      throw new HttpError(
        400,
        `could not reach the stack through ${o.RoleArn} with this account's ExternalId: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const saved = await deps.store.registerAccount(accountId, registered, now().toISOString(), claim);
    if (saved.ownerId !== userId) throw new HttpError(409, 'this AWS account is connected by someone else');
    return saved;
  };

  /** Manual registration of the stack's outputs: for automation; the pages use discover. */
  app.put('/:accountId', async (c) => {
    const saved = await register(
      c.get('user').id,
      c.req.param('accountId'),
      await c.req.json().catch(() => undefined),
    );
    return c.json({ accountId: saved.accountId, verifiedAt: saved.verifiedAt });
  });

  /**
   * Finds the stack by itself and connects the account once it is complete; the page calls it
   * until `stage` is `connected`. Called again on a connected account, it re-reads the outputs
   * (after a stack update) and registers them if they changed.
   */
  app.post('/:accountId/discover', async (c) => {
    const user = c.get('user');
    const accountId = c.req.param('accountId');
    const { externalId, region } = await claimOrAccount(user.id, accountId);
    const found = await discoverStack(deps.access, { accountId, region, externalId });
    if (found.stage !== 'stack-found') return c.json(found);
    const saved = await register(user.id, accountId, found.outputs);
    return c.json({ stage: 'connected', accountId: saved.accountId, verifiedAt: saved.verifiedAt });
  });
  return app;
}

/** Where hosts download the agent this control plane offers. */
const agentTarballUrl = (config: CloudDeps['config']): string =>
  `${config.publicUrl}/agent/dockercise-agent-${config.agentVersion}.tgz`;
