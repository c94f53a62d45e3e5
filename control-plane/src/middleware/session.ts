import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { AppDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import type { User } from '../store/store.js';

/**
 * `__Host-`: the browser keeps it only if Secure, with Path=/ and no Domain, so no sibling subdomain
 * can set or overwrite it. https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#name-the-__host-prefix
 */
export const SESSION_COOKIE = '__Host-dockercise_session';
const SESSION_DAYS = 7;

/** A signed, HttpOnly, SameSite=Lax, Secure, host-only session cookie naming the user. */
export async function startSession(c: Context, deps: AppDeps, user: User): Promise<void> {
  const expires = Date.now() + SESSION_DAYS * 86_400_000;
  const value = `${user.id}.${user.sessionVersion}.${expires}`;
  await setSignedCookie(c, SESSION_COOKIE, value, deps.config.sessionSecret, {
    httpOnly: true,
    sameSite: 'Lax',
    // The __Host- prefix needs Secure; browsers keep Secure cookies from http://localhost too.
    secure: true,
    path: '/',
    maxAge: SESSION_DAYS * 86_400,
  });
}

export function endSession(c: Context): void {
  // A __Host- cookie is only accepted (and so only removed) with Secure and Path=/.
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
}

/** The session's user, when the request carries a valid, unexpired session of the user's current version. */
export async function sessionUser(c: Context, deps: AppDeps): Promise<User | undefined> {
  const value = await getSignedCookie(c, deps.config.sessionSecret, SESSION_COOKIE);
  const [id, version, expires] = typeof value === 'string' ? value.split('.') : [];
  if (!id || !version || !expires || Number(expires) < Date.now()) return undefined;
  const user = await deps.store.getUser(Number(id));
  return user && user.sessionVersion === Number(version) ? user : undefined;
}

/** Lets a request through only with a valid session, and puts its user in the context. */
export function requireUser(deps: AppDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (deps.mode === 'local') {
      c.set('user', deps.localUser);
      await next();
      return;
    }
    const user = await sessionUser(c, deps);
    if (!user) throw new HttpError(401, 'sign in first');
    c.set('user', user);
    await next();
  };
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
