import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { ZodError } from 'zod';
import type { AppDeps, CloudDeps, Env } from './deps.js';
import {
  GitHubError,
  GitHubNotFoundError,
  GitHubRateLimitError,
  GitHubUnauthorizedError,
} from './github/github.js';
import { HttpError } from './http-error.js';
import { LOCAL_TOKEN_COOKIE, requireLocalToken } from './middleware/local-token.js';
import { loopbackOnly } from './middleware/loopback-only.js';
import { sameOriginWrites } from './middleware/same-origin-writes.js';
import { securityHeaders } from './middleware/security-headers.js';
import { AccountUnreachableError, RunNotStartedError } from './results/errors.js';
import { accountRoutes } from './routes/accounts.js';
import { agentTarballRoutes } from './routes/agent-tarballs.js';
import { authRoutes, returnPath } from './routes/auth.js';
import { localRoutes } from './routes/local.js';
import { repoRoutes } from './routes/repos.js';
import { resultRoutes } from './routes/results.js';
import { uiRoutes } from './routes/ui.js';
import { webhookRoutes } from './routes/webhooks.js';
import { StoreUnavailableError } from './store/store.js';

export type { AppConfig, AppDeps, CloudDeps, LocalDeps } from './deps.js';

/** The control plane's HTTP app. `index.ts` serves it; tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', securityHeaders());
  if (deps.mode === 'local') {
    app.use('*', loopbackOnly());
    const token = deps.config.localToken;
    if (token) {
      app.use('/api/*', requireLocalToken(token));
      app.get('/auth/local', (c) => {
        if (!deps.login.consume(c.req.query('code') ?? ''))
          throw new HttpError(
            403,
            'this sign-in link is spent or has expired: `dockercise server --local` prints a new one at start',
          );
        // The token itself, HttpOnly so no script reads it, Strict so no other site's request carries it.
        setCookie(c, LOCAL_TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        return c.redirect(returnPath(c.req.query('return')) ?? '/results/local/');
      });
    }
  }
  app.get('/healthz', (c) => c.json({ ok: true, mode: deps.mode }));
  if (deps.mode === 'cloud') cloudRoutes(app, deps);
  else app.route('/api/local', localRoutes(deps));
  app.route('/api/results', resultRoutes(deps));
  app.route('/results', uiRoutes(deps));

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    if (error instanceof ZodError)
      return c.json({ error: 'the request does not have the expected shape' }, 400);
    if (error instanceof GitHubRateLimitError) {
      c.header('retry-after', String(Math.max(1, Math.ceil((error.resetAt.getTime() - Date.now()) / 1000))));
      return c.json({ error: error.message }, 503);
    }
    if (error instanceof GitHubUnauthorizedError) return c.json({ error: error.message }, 401);
    if (error instanceof GitHubNotFoundError) return c.json({ error: error.message }, 404);
    if (error instanceof AccountUnreachableError) return c.json({ error: error.message }, 502);
    if (error instanceof RunNotStartedError) return c.json({ error: error.message }, 409);
    if (error instanceof GitHubError) return c.json({ error: error.message }, 502);
    if (error instanceof StoreUnavailableError || (error as { code?: string }).code === 'SQLITE_BUSY') {
      deps.logger.warn({ err: error, path: c.req.path }, 'the database is unavailable');
      c.header('retry-after', '5');
      return c.json({ error: 'the database is unavailable for a moment: try again shortly' }, 503);
    }
    deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

/** What only the hosted control plane serves: sign-in, webhooks, repositories, accounts, agent tarballs. */
function cloudRoutes(app: Hono<Env>, deps: CloudDeps): void {
  for (const path of ['/api/*', '/auth/*']) app.use(path, sameOriginWrites(deps.config.publicUrl));
  app.route('/auth', authRoutes(deps));
  app.route('/webhooks', webhookRoutes(deps));
  app.route('/api/repos', repoRoutes(deps));
  app.route('/api/accounts', accountRoutes(deps));
  app.route('/agent', agentTarballRoutes(deps));
}
