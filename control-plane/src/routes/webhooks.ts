import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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
  commits: z
    .array(
      z.object({
        added: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
      }),
    )
    .optional(),
});

/** GitHub lists at most this many commits in a push; past it the changed files are not all known. */
const MAX_LISTED_COMMITS = 2048;

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
  app.post('/github', limit, async (c) => {
    const hookId = Number(c.req.header('x-github-hook-id'));
    const repo = Number.isSafeInteger(hookId) ? await deps.store.getRepoByHookId(hookId) : undefined;
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
    const commits = push.data.commits;
    // Unknown (so paths filters match) when GitHub may have left commits out, or listed none.
    const changed =
      commits && commits.length > 0 && commits.length < MAX_LISTED_COMMITS
        ? [...new Set(commits.flatMap((c) => [...c.added, ...c.removed, ...c.modified]))].sort()
        : undefined;
    if (push.data.repository.id !== repo.id) throw new HttpError(400, 'the push is for another repository');
    const build = {
      deliveryId,
      bodySha256: createHash('sha256').update(raw).digest('hex'),
      repoId: repo.id,
      commit: push.data.after,
      ...(branch ? { branch } : {}),
      ...(message ? { message } : {}),
      ...(triggeredBy ? { triggeredBy: `push by ${triggeredBy}` } : {}),
      ...(changed ? { changed } : {}),
    };
    const now = (deps.now ?? (() => new Date()))();
    if (!(await deps.store.claimDelivery(build, now.toISOString()))) return c.json({ duplicate: deliveryId });
    deps.builds.enqueue({ ...build, status: 'pending', attempts: 0 }, repo);
    return c.json({ accepted: deliveryId }, 202);
  });
  return app;
}
