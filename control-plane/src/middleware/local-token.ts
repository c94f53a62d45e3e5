import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { sameSecret } from './session.js';

/** The header that carries the local server's token (the CLI's way). */
export const LOCAL_TOKEN_HEADER = 'x-dockercise-token';
/** The cookie that carries it for a browser signed in with a one-time link (local-login.ts). */
export const LOCAL_TOKEN_COOKIE = 'dockercise_local';

/**
 * The local server has no sign-in: any process of any user on the machine could reach it on
 * loopback and approve a gate or start a run. Changes need the server's token, which only its
 * owner can read: from the 0600 file beside the data (the CLI sends it as a header), or as the
 * HttpOnly, SameSite=Strict cookie that the printed one-time link sets in the owner's browser. No
 * page and no API answer carries it.
 */
export function requireLocalToken(token: string): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const given = c.req.header(LOCAL_TOKEN_HEADER) ?? getCookie(c, LOCAL_TOKEN_COOKIE);
      if (!given || !sameSecret(given, token))
        throw new HttpError(
          401,
          "changes need the local server's token: open the sign-in link `dockercise server --local` printed, or send the x-dockercise-token header",
        );
    }
    await next();
  };
}
