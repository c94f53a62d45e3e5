import type { MiddlewareHandler } from 'hono';
import type { Env } from '../deps.js';
import { HttpError } from '../http-error.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF beyond the session cookie's SameSite=Lax: a change is refused when a browser says it comes
 * from another origin (browsers send Origin on every cross-origin POST, and a sibling subdomain is
 * same-site for Lax but not same-origin), and a body is taken only as `application/json`, which a
 * cross-origin form or a no-preflight fetch cannot send. The CLI and GitHub's webhooks (not under
 * these paths) send no Origin.
 */
export function sameOriginWrites(publicUrl: string): MiddlewareHandler<Env> {
  const own = new URL(publicUrl).origin;
  return async (c, next) => {
    if (WRITES.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && origin !== own)
        throw new HttpError(403, 'cross-origin requests are refused');
      const type = c.req.header('content-type');
      const hasBody =
        Number(c.req.header('content-length') ?? 0) > 0 || c.req.header('transfer-encoding') !== undefined;
      if ((hasBody || type !== undefined) && !/^application\/json\s*(;|$)/i.test(type ?? ''))
        throw new HttpError(415, 'send the body as application/json');
    }
    await next();
  };
}
