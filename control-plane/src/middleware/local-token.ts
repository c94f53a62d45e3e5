import type { MiddlewareHandler } from 'hono';
import type { Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { sameSecret } from './session.js';

/** The header that carries the local server's token. */
export const LOCAL_TOKEN_HEADER = 'x-dockercise-token';

/**
 * The local server has no sign-in: any process of any user on the machine could reach it on
 * loopback and approve a gate or start a run. Changes need the server's token, which only its
 * owner can read (a 0600 file beside the data; the viewer's page carries it for the same-origin
 * app, which cross-origin pages cannot read).
 */
export function requireLocalToken(token: string): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const given = c.req.header(LOCAL_TOKEN_HEADER);
      if (!given || !sameSecret(given, token))
        throw new HttpError(401, `changes need the local server's token (the ${LOCAL_TOKEN_HEADER} header)`);
    }
    await next();
  };
}
