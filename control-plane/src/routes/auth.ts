import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { CloudDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { endSession, requireUser, sameSecret, sessionUser, startSession } from '../middleware/session.js';

const STATE_COOKIE = 'dockercise_oauth_state';

/** GitHub's OAuth web flow, with a `state` bound to the browser against CSRF. */
export function authRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  const callback = `${deps.config.publicUrl}/auth/callback`;

  app.get('/login', async (c) => {
    const state = randomBytes(24).toString('base64url');
    // Where to come back to: a page of the viewer only, never another site (no open redirect).
    const back = returnPath(c.req.query('return'));
    await setSignedCookie(c, STATE_COOKIE, back ? `${state} ${back}` : state, deps.config.sessionSecret, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: !deps.config.local,
      path: '/auth',
      maxAge: 600,
    });
    return c.redirect(deps.github.authorizeUrl(state, callback));
  });

  app.get('/callback', async (c) => {
    const cookie = await getSignedCookie(c, deps.config.sessionSecret, STATE_COOKIE);
    const [expected, back] = typeof cookie === 'string' ? cookie.split(' ') : [];
    const state = c.req.query('state');
    const code = c.req.query('code');
    deleteCookie(c, STATE_COOKIE, { path: '/auth' });
    if (typeof expected !== 'string' || !state || !sameSecret(state, expected)) {
      throw new HttpError(403, 'the sign-in did not start here (state mismatch); sign in again');
    }
    if (!code) throw new HttpError(400, 'GitHub sent no code');
    const token = await deps.github.exchangeCode(code, callback);
    const profile = await deps.github.user(token);
    const user = await deps.store.upsertUser({ githubId: profile.id, login: profile.login, token });
    await startSession(c, deps, user);
    return c.redirect(returnPath(back) ?? '/results/');
  });

  // Signing out ends the user's every session, not only this browser's cookie: a copied cookie
  // stops working too.
  app.post('/logout', async (c) => {
    const user = await sessionUser(c, deps);
    if (user) await deps.store.endSessions(user.id);
    endSession(c);
    return c.body(null, 204);
  });

  app.get('/me', requireUser(deps), (c) => c.json({ login: c.get('user').login }));
  return app;
}

/** A path under /results/ (the viewer), or nothing: a sign-in never sends anyone elsewhere. */
export function returnPath(value: string | undefined): string | undefined {
  if (
    !value ||
    !/^\/results\/[A-Za-z0-9._~%/-]*$/.test(value) ||
    value.includes('//') ||
    value.includes('..') ||
    // An encoded dot or slash decodes to `..` or `//` after the check.
    /%2e|%2f|%5c/i.test(value)
  )
    return undefined;
  return value;
}
