import type { MiddlewareHandler } from 'hono';
import type { Env } from '../deps.js';
import { HttpError } from '../http-error.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Local mode has no sign-in, so it answers loopback names only — a web page that rebinds its own
 * DNS name to 127.0.0.1 is refused — and a browser's cross-origin POST (a form on another site can
 * send one without a preflight) is refused by its Origin. The CLI sends no Origin and passes.
 */
export function loopbackOnly(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const host = hostName(c.req.header('host'));
    if (!host || !LOOPBACK_HOSTS.has(host))
      throw new HttpError(403, 'the local server answers on localhost only');
    const origin = c.req.header('origin');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && origin !== undefined) {
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host;
      } catch {}
      if (originHost !== c.req.header('host')) throw new HttpError(403, 'cross-origin requests are refused');
    }
    await next();
  };
}

function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
}
