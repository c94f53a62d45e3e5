import { Hono } from 'hono';
import { z } from 'zod';
import type { Env, LocalDeps } from '../deps.js';
import { HttpError } from '../http-error.js';
import { GitError } from '../local/git.js';
import { LOCAL_ACCOUNT } from '../local/local-trigger.js';

const triggerBody = z.object({ dir: z.string().min(1).max(4096) });

/**
 * Local mode only:
 *   GET  /api/local            who and where: the account id runs live under
 *   POST /api/local/runs       {dir}: run the git repository holding dir at its HEAD
 */
export function localRoutes(deps: LocalDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.get('/', (c) => c.json({ accountId: LOCAL_ACCOUNT, user: deps.localUser.login }));

  app.post('/runs', async (c) => {
    const body = triggerBody.parse(await c.req.json().catch(() => ({})));
    let run: Awaited<ReturnType<typeof deps.trigger.trigger>>;
    try {
      run = await deps.trigger.trigger(body.dir);
    } catch (error) {
      if (error instanceof GitError) throw new HttpError(400, error.message, { cause: error });
      throw error;
    }
    return c.json(
      {
        runId: run.runId,
        pipeline: run.pipeline,
        accountId: LOCAL_ACCOUNT,
        status: run.status === 'invalid' ? 'invalid' : 'queued',
        ...(run.errors ? { errors: run.errors } : {}),
        url: `/results/${LOCAL_ACCOUNT}/${run.pipeline}/${run.runId}`,
        // Only the token's holder gets here: a one-time link that signs a browser in, to that run.
        signInUrl: `/auth/local?code=${deps.login.mint()}&return=${encodeURIComponent(`/results/${LOCAL_ACCOUNT}/${run.pipeline}/${run.runId}`)}`,
      },
      201,
    );
  });
  return app;
}
