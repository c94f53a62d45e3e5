import { Hono } from 'hono';
import { z } from 'zod';
import { verifyWebhook } from '../crypto/webhook-signature.js';
import type { CloudDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';

const pushSchema = z.object({
  ref: z.string(),
  after: z.string().regex(/^[0-9a-f]{40}$/),
  deleted: z.boolean().optional(),
  repository: z.object({ id: z.number(), full_name: z.string() }),
  head_commit: z.object({ message: z.string() }).nullable().optional(),
  pusher: z.object({ name: z.string() }).optional(),
  sender: z.object({ login: z.string() }).optional(),
});

/**
 * `POST /webhooks/github`. Checks the signature over the raw body with the repository's own secret,
 * records the delivery once (its id is the idempotency key) and answers at once; the build runs
 * after the answer, so GitHub's 10-second limit is never at risk.
 */
export function webhookRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/github', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    const repoId = (payload as { repository?: { id?: unknown } } | null)?.repository?.id;
    const repo = typeof repoId === 'number' ? await deps.store.getRepo(repoId) : undefined;
    // An unknown repository and a bad signature get the same answer: the endpoint reveals nothing.
    if (!repo || !verifyWebhook(repo.webhookSecret, raw, c.req.header('x-hub-signature-256'))) {
      throw new HttpError(401, 'missing or invalid signature');
    }
    const event = c.req.header('x-github-event');
    if (event === 'ping') return c.json({ ok: true });
    if (event !== 'push') return c.json({ ignored: `${event ?? 'unnamed'} events` }, 202);

    const push = pushSchema.safeParse(payload);
    if (!push.success) throw new HttpError(400, 'not a push payload');
    if (push.data.deleted || /^0+$/.test(push.data.after)) return c.json({ ignored: 'branch deletion' }, 202);
    const deliveryId = c.req.header('x-github-delivery');
    if (!deliveryId) throw new HttpError(400, 'no X-GitHub-Delivery header');

    const branch = push.data.ref.startsWith('refs/heads/')
      ? push.data.ref.slice('refs/heads/'.length)
      : undefined;
    const message = push.data.head_commit?.message.split('\n')[0]?.slice(0, 200);
    const triggeredBy = push.data.sender?.login ?? push.data.pusher?.name;
    const build = {
      deliveryId,
      repoId: repo.id,
      commit: push.data.after,
      ...(branch ? { branch } : {}),
      ...(message ? { message } : {}),
      ...(triggeredBy ? { triggeredBy: `push by ${triggeredBy}` } : {}),
    };
    const now = (deps.now ?? (() => new Date()))();
    if (!(await deps.store.claimDelivery(build, now.toISOString()))) return c.json({ duplicate: deliveryId });
    deps.builds.enqueue({ ...build, status: 'pending', attempts: 0 });
    return c.json({ accepted: deliveryId }, 202);
  });
  return app;
}
