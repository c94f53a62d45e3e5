import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { verifyWebhook } from '../crypto/webhook-signature.js';
import type { CloudDeps, Env } from '../deps.js';
import { createHookRepos } from '../github/hook-repos.js';
import { readPullRequest, readPush } from '../github/webhook-events.js';
import { HttpError } from '../http-error.js';

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * `POST /webhooks/github`. Finds the repository by the hook's id (a header, so nothing is parsed
 * first), checks the signature over the raw body with that repository's own secret, and only then
 * reads the JSON. Records the delivery once — by its id, and by the body's digest, so a captured
 * delivery replayed under a new id builds nothing — and answers at once; the build runs after the
 * answer, so GitHub's 10-second limit is never at risk.
 */
export function webhookRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  const limit = bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: (c) => c.json({ error: 'the body is larger than GitHub ever sends (25 MB)' }, 413),
  });
  const repoOfHook = createHookRepos(deps.store);
  app.post('/github', limit, async (c) => {
    const hookId = Number(c.req.header('x-github-hook-id'));
    const repo = Number.isSafeInteger(hookId) ? await repoOfHook(hookId) : undefined;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // An unknown hook and a bad signature get the same answer: the endpoint reveals nothing.
    if (!repo || !verifyWebhook(repo.webhookSecret, raw, c.req.header('x-hub-signature-256'))) {
      throw new HttpError(401, 'missing or invalid signature');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    const event = c.req.header('x-github-event');
    if (event === 'ping') return c.json({ ok: true });
    const reading =
      event === 'push'
        ? readPush(payload, repo.id)
        : event === 'pull_request'
          ? readPullRequest(payload, repo.id)
          : { ignored: `${event ?? 'unnamed'} events` };
    if ('ignored' in reading) return c.json({ ignored: reading.ignored }, 202);
    if ('invalid' in reading) throw new HttpError(400, reading.invalid);
    const deliveryId = c.req.header('x-github-delivery');
    if (!deliveryId) throw new HttpError(400, 'no X-GitHub-Delivery header');
    const build = {
      ...reading.build,
      deliveryId,
      bodySha256: createHash('sha256').update(raw).digest('hex'),
    };
    const now = (deps.now ?? (() => new Date()))();
    if (!(await deps.store.claimDelivery(build, now.toISOString()))) return c.json({ duplicate: deliveryId });
    deps.builds.enqueue({ ...build, status: 'pending', attempts: 0 }, repo);
    return c.json({ accepted: deliveryId }, 202);
  });
  return app;
}
