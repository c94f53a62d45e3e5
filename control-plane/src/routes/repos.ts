import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { newDeployKey } from '../crypto/deploy-key.js';
import type { CloudDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { requireUser } from '../middleware/session.js';

const connectSchema = z.object({ accountId: z.string().regex(/^\d{12}$/) });

/** The user's repositories; connecting one adds a push webhook and a read-only deploy key. */
export function repoRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requireUser(deps));

  app.get('/', async (c) => {
    const user = c.get('user');
    const repos = await deps.github.repos(user.token);
    const listed = await Promise.all(
      repos.map(async (r) => {
        const connected = await deps.store.getRepo(r.id);
        const mine = connected?.ownerId === user.id ? connected : undefined;
        return {
          id: r.id,
          fullName: r.full_name,
          private: r.private,
          connected: mine !== undefined,
          ...(mine ? { accountId: mine.accountId } : {}),
          // Connecting adds a webhook, which needs admin rights on the repository.
          admin: r.permissions?.admin ?? false,
        };
      }),
    );
    return c.json({ repos: listed });
  });

  app.post('/:owner/:name/connect', async (c) => {
    const user = c.get('user');
    const fullName = `${c.req.param('owner')}/${c.req.param('name')}`;
    const body = connectSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      throw new HttpError(400, 'give the AWS account id to run builds in: { "accountId": "123456789012" }');
    const account = await deps.store.getAccount(body.data.accountId);
    if (!account || account.ownerId !== user.id) throw new HttpError(404, 'no such AWS account');
    if (!account.verifiedAt) throw new HttpError(409, 'register the account (its stack outputs) first');
    const repo = (await deps.github.repos(user.token)).find((r) => r.full_name === fullName);
    if (!repo) throw new HttpError(404, `no repository ${fullName} visible to you`);
    const existing = await deps.store.getRepo(repo.id);
    if (existing && existing.ownerId !== user.id)
      throw new HttpError(409, 'someone else connected this repository');
    // Connecting again replaces the hook and the key: the old ones must stop working first (an old
    // deploy key could still read the repository). A hook or key already gone is fine.
    if (existing?.webhookId) await deps.github.deleteHook(user.token, fullName, existing.webhookId);
    if (existing?.deployKeyId) await deps.github.deleteDeployKey(user.token, fullName, existing.deployKeyId);

    const secret = randomBytes(32).toString('hex');
    const key = newDeployKey(`dockercise ${fullName}`);
    const hookId = await deps.github.createPushHook(
      user.token,
      fullName,
      `${deps.config.publicUrl}/webhooks/github`,
      secret,
    );
    let keyId: number;
    try {
      keyId = await deps.github.addDeployKey(user.token, fullName, 'dockercise (read-only)', key.publicKey);
    } catch (error) {
      await deps.github.deleteHook(user.token, fullName, hookId).catch(() => {});
      throw error;
    }
    await deps.store.saveRepo({
      id: repo.id,
      fullName,
      ownerId: user.id,
      accountId: account.accountId,
      webhookId: hookId,
      webhookSecret: secret,
      deployKeyId: keyId,
      deployPrivateKey: key.privateKey,
    });
    return c.json({ id: repo.id, fullName, webhookId: hookId, deployKeyId: keyId }, 201);
  });

  app.delete('/:owner/:name', async (c) => {
    const user = c.get('user');
    const fullName = `${c.req.param('owner')}/${c.req.param('name')}`;
    const repo = await deps.store.getRepoByName(fullName);
    if (!repo || repo.ownerId !== user.id) throw new HttpError(404, `${fullName} is not connected`);
    if (repo.webhookId) await deps.github.deleteHook(user.token, fullName, repo.webhookId);
    if (repo.deployKeyId) await deps.github.deleteDeployKey(user.token, fullName, repo.deployKeyId);
    await deps.store.deleteRepo(repo.id);
    return c.body(null, 204);
  });
  return app;
}
