import { Readable } from 'node:stream';
import { FINISHED_RUN_STATUSES, graphOfPlan, LOG_NAME, type RunView, STEP_NAME } from '@dockercise/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';
import { requireUser } from '../middleware/session.js';
import { RunResults } from '../results/run-results.js';
import type { AwsAccount, RunRecord, RunSummary } from '../store/store.js';

/**
 * The results API, read through deps.results (the customer's account, or the local server's folder):
 *   GET  /api/results/:accountId                                   the pipelines that have runs
 *   GET  /api/results/:accountId/:pipeline                         the runs, newest first
 *   GET  /api/results/:accountId/:pipeline/:runId                  result.json and the DAG (RunView)
 *   GET  /api/results/:accountId/:pipeline/:runId/logs/:step       a step's log, paged (?token=)
 *   GET  /api/results/:accountId/:pipeline/:runId/outputs/:step    a non-secret step's stdout
 *   GET  /api/results/:accountId/:pipeline/:runId/artifacts/:step/<path>  a kept file: a presigned
 *        redirect to the customer's bucket hosted, the file locally
 *   POST /api/results/:accountId/:pipeline/:runId/gates/:gate/approve
 *   POST /api/results/:accountId/:pipeline/:runId/release  lets a fork's held pull request run
 *   POST /api/results/:accountId/:pipeline/:runId/rerun   { steps: failed | all }: a new attempt
 *   POST /api/results/:accountId/:pipeline/:runId/cancel
 * Every route first checks that the signed-in user owns the account.
 */
const rerunBodySchema = z.object({ steps: z.enum(['failed', 'all']) });

export function resultRoutes(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requireUser(deps));

  const ownedAccount = async (c: Context<Env>): Promise<AwsAccount> => {
    const account = await deps.store.getAccount(c.req.param('accountId') ?? '');
    // Someone else's account and no account look the same from outside.
    if (!account || account.ownerId !== c.get('user').id) throw new HttpError(404, 'no such AWS account');
    return account;
  };
  const ownedRun = async (c: Context<Env>): Promise<RunRecord> => {
    const account = await ownedAccount(c);
    const run = await deps.store.getRun(c.req.param('runId') ?? '');
    if (!run || run.accountId !== account.accountId || run.pipeline !== c.req.param('pipeline'))
      throw new HttpError(404, 'no such run');
    return run;
  };

  const results = new RunResults(deps.store, deps.results);

  app.get('/:accountId', async (c) => {
    const account = await ownedAccount(c);
    const pipelines = await deps.store.listPipelines(account.accountId);
    const withStatus = await Promise.all(
      pipelines.map(async (p) => {
        const [last] = await deps.store.listRuns(account.accountId, p.pipeline, 1);
        return last ? { ...p, lastStatus: (await results.summary(last)).status } : p;
      }),
    );
    return c.json({ pipelines: withStatus });
  });

  app.get('/:accountId/:pipeline', async (c) => {
    const account = await ownedAccount(c);
    const runs = await deps.store.listRuns(account.accountId, c.req.param('pipeline'), 50);
    const entries = await Promise.all(runs.map(async (run) => listEntry(run, await results.summary(run))));
    return c.json({ runs: entries });
  });

  app.get('/:accountId/:pipeline/:runId', async (c) => {
    const run = await ownedRun(c);
    const view: RunView = await results.current(run);
    if (run.held) view.held = true;
    const plan = run.plan;
    if (plan) view.graph = graphOfPlan(plan);
    return c.json(view);
  });

  app.get('/:accountId/:pipeline/:runId/outputs/:step', async (c) => {
    const run = await ownedRun(c);
    const step = c.req.param('step');
    if (!STEP_NAME.test(step)) throw new HttpError(400, 'not a step name');
    const plan = run.plan;
    const planned = plan?.steps.find((s) => s.name === step);
    if (!planned) throw new HttpError(404, `the run has no step ${step}`);
    // A secret step's output is never served, whatever is stored.
    if (planned.secret) throw new HttpError(403, `${step} is a secret step: its output is never shown`);
    const output = await deps.results.output(run, step);
    if (!output) throw new HttpError(404, `${step} has no stored output`);
    return c.body(Buffer.from(output), 200, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
  });

  app.get('/:accountId/:pipeline/:runId/artifacts/:step/*', async (c) => {
    const run = await ownedRun(c);
    const step = c.req.param('step');
    if (!STEP_NAME.test(step)) throw new HttpError(400, 'not a step name');
    const marker = `/artifacts/${step}/`;
    const path = decodeURIComponent(c.req.path.slice(c.req.path.indexOf(marker) + marker.length));
    // Only what the result lists: a path of the run's own, never one made up (no `..`).
    const kept = (await results.current(run)).steps.find((s) => s.name === step)?.artifacts ?? [];
    const artifact = kept.find((a) => a.path === path);
    if (!artifact) throw new HttpError(404, `${step} kept no artifact ${path}`);
    const download = await deps.results.artifact(run, step, artifact.path);
    if ('redirect' in download) return c.redirect(download.redirect, 302);
    const name = artifact.path.split('/').pop() ?? 'artifact';
    return c.body(Readable.toWeb(download.file) as ReadableStream, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(artifact.size),
      'content-disposition': `attachment; filename="${name.replace(/["\\]/g, '_')}"`,
      'x-content-type-options': 'nosniff',
    });
  });

  app.get('/:accountId/:pipeline/:runId/logs/:step', async (c) => {
    const run = await ownedRun(c);
    const step = c.req.param('step');
    // A step's log, or one of its services' (`step.service`).
    if (!LOG_NAME.test(step)) throw new HttpError(400, 'not the name of a step or a service');
    return c.json(await deps.results.log(run, step, c.req.query('token') || undefined));
  });

  app.post('/:accountId/:pipeline/:runId/gates/:gate/approve', async (c) => {
    const run = await ownedRun(c);
    // Hono has decoded the path once already; decoding again turned `%25` into a URIError (500).
    const gate = c.req.param('gate');
    const plan = run.plan;
    if (!plan?.gates.some((g) => g.name === gate)) throw new HttpError(404, `the run has no gate ${gate}`);
    if (run.approvedGates.includes(gate)) throw new HttpError(409, `${gate} is already approved`);
    // An ended run is never resumed, so an approval would leave its gated steps waiting for ever.
    const status = run.status === 'invalid' ? 'failed' : (await deps.results.result(run))?.status;
    if (status && FINISHED_RUN_STATUSES.has(status))
      throw new HttpError(409, `the run has ${status}: approving ${gate} would run nothing`);
    const user = c.get('user');
    const approvedAt = new Date().toISOString();
    const continued = await deps.store.approveGate({ runId: run.runId, gate, userId: user.id, approvedAt });
    // The continuation: the same run, with the gate approved; the agent resumes where it stopped.
    await deps.dispatcher.send(continued);
    return c.json({ gate, approvedBy: user.login, approvedAt }, 202);
  });

  app.post('/:accountId/:pipeline/:runId/release', async (c) => {
    const run = await ownedRun(c);
    const released = await deps.store.releaseRun(run.runId);
    if (!released) throw new HttpError(409, 'the run is not waiting to be allowed');
    await deps.dispatcher.send(released);
    return c.json({ runId: run.runId, released: true }, 202);
  });

  app.post('/:accountId/:pipeline/:runId/rerun', async (c) => {
    const run = await ownedRun(c);
    const body = rerunBodySchema.safeParse(await c.req.json().catch(() => ({})));
    if (!body.success)
      throw new HttpError(400, 'say which steps to re-run: { "steps": "failed" } or { "steps": "all" }');
    if (run.status === 'invalid') throw new HttpError(409, 'the pipeline is invalid: push a fix instead');
    const result = await deps.results.result(run);
    if (!result || !FINISHED_RUN_STATUSES.has(result.status))
      throw new HttpError(409, 'the run has not ended: cancel it first, or wait for it');
    const attempt = (result.attempt ?? 1) + 1;
    const rerun = await deps.store.requestRerun(run.runId, { attempt, scope: body.data.steps });
    await deps.dispatcher.send(rerun);
    return c.json({ runId: run.runId, attempt, steps: body.data.steps }, 202);
  });

  app.post('/:accountId/:pipeline/:runId/cancel', async (c) => {
    const run = await ownedRun(c);
    if (run.status === 'invalid') throw new HttpError(409, 'the run is not running');
    await results.cancel(run, deps.now?.() ?? new Date());
    return c.json({ cancelling: run.runId }, 202);
  });
  return app;
}

/** A run as the runs list shows it. */
function listEntry(run: RunRecord, summary: RunSummary) {
  return {
    runId: run.runId,
    status: summary.status,
    commit: run.commit,
    branch: run.branch,
    ...(run.message ? { message: run.message } : {}),
    ...(run.triggeredBy ? { triggeredBy: run.triggeredBy } : {}),
    startedAt: summary.startedAt,
    durationMs: summary.durationMs,
    ...(summary.error ? { error: summary.error } : {}),
  };
}
