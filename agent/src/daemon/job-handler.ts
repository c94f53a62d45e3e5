import type { KeyObject } from 'node:crypto';
import type { Logger } from '@dockercise/shared';
import {
  attemptSummary,
  FINISHED_RUN_STATUSES,
  type Plan,
  type RunResult,
  runPrefix,
} from '@dockercise/shared';
import { checkJobBinding, type PlanPointer, parseSignedJob } from '@dockercise/shared/node';
import type { AgentBackend } from '../backend/agent-backend.js';
import type { JobLedger } from '../backend/job-ledger.js';
import type { QueuedJob } from '../backend/job-queue.js';
import { isHeld, type RunLeases } from '../backend/run-leases.js';
import type { GitMirrors } from '../checkout/git-mirrors.js';
import type { CredentialsHost } from '../credentials/credentials-host.js';
import { runIdentityOf } from '../credentials/session-tags.js';
import { type ContainerEngine, EngineUnavailableError, type ResourceLimits } from '../engine/engine.js';
import { runPlan } from '../runner/run-plan.js';
import type { ArtifactLimits } from '../runner/step-artifacts.js';
import { watchForCancel } from './cancel-watch.js';
import { goOnFrom } from './earlier-attempt.js';
import { holdLease } from './lease.js';
import { loadPointedPlan } from './pointed-plan.js';
import { fenced, handBack } from './run-handover.js';
import { holdRunLease } from './run-lease-hold.js';

/** How this agent runs jobs: the same for every job it takes. */
export interface JobSettings {
  /** The control plane's key: only jobs it signed run. */
  publicKey: KeyObject;
  /** How long a job stays this agent's before the queue offers it again, unless extended. */
  visibilitySeconds: number;
  cancelPollMs: number;
  stepConcurrency: number;
  /** Each step's limits; unset parts default to most of the host (stepLimits). */
  stepLimits?: ResourceLimits;
  /** How long a job waits before it is offered again after a failure that may heal. */
  retryDelaySeconds: number;
  /** The most of a step's stdout kept as its output, unless the step says otherwise (1 MiB). */
  outputLimitBytes?: number;
  /** What a step's artifacts, and a run's in all, may keep (1 GiB and 5 GiB unless said). */
  artifactLimits?: ArtifactLimits;
  /** This agent, as its run leases name it (the instance id on a host). */
  holder: string;
}

export interface JobHandlerDeps {
  backend: AgentBackend;
  engine: ContainerEngine;
  settings: JobSettings;
  /** Runs this agent is running now: a second delivery of one of them must not start it twice. */
  runsInProgress: Set<string>;
  /** The host's git mirrors: with them, a job's checkout starts every workspace (git-mirrors.ts). */
  mirrors?: GitMirrors;
  /** Steps' AWS identities: without it a step with `aws-role` fails before it starts. */
  credentials?: CredentialsHost;
  logger: Logger;
  /** Milliseconds since the epoch; a test's clock. */
  now?: () => number;
}

export type JobOutcome = 'finished' | 'dead-lettered' | 'released' | 'engine-down';

export interface JobControl {
  /** Aborted when the agent shuts down past its grace period: the job is handed back. */
  interrupt: AbortSignal;
  /** Aborted on a second shutdown signal: containers are killed at once. */
  kill: AbortSignal;
}

/** Takes one job from receipt to acknowledgement: verify, run (or resume), store, delete. */
export async function handleJob(
  deps: JobHandlerDeps,
  job: QueuedJob,
  control: JobControl,
): Promise<JobOutcome> {
  const { backend, settings, logger } = deps;
  const { queue } = backend;
  const parsed = parseSignedJob(job.body, settings.publicKey);
  if (!parsed.ok) {
    logger.warn(
      { messageId: job.messageId, reason: parsed.reason },
      'job refused: moved to the dead-letter queue',
    );
    await queue.deadLetter(job, parsed.reason);
    return 'dead-lettered';
  }
  const { job: body } = parsed.message;
  const log = { messageId: job.messageId, runId: body.runId, pipeline: body.pipeline };
  const refused = checkJobBinding(body, backend.identity, (deps.now ?? Date.now)());
  if (refused) {
    const reason = `${refused.reason}: ${refused.detail}`;
    logger.warn({ ...log, reason }, 'job refused: moved to the dead-letter queue');
    await queue.deadLetter(job, reason);
    return 'dead-lettered';
  }
  let seen: Awaited<ReturnType<JobLedger['claim']>>;
  try {
    seen = await backend.ledger.claim(body.nonce, job.messageId);
  } catch (error) {
    // Without the record a replay cannot be told apart: the job waits, it is not lost.
    logger.warn({ ...log, err: error }, 'could not record the job; it is offered again later');
    await queue.release(job, settings.retryDelaySeconds);
    return 'released';
  }
  if (seen === 'replay') {
    const reason = 'replayed: this signed job was already accepted from another message';
    logger.warn({ ...log, reason }, 'job refused: moved to the dead-letter queue');
    await queue.deadLetter(job, reason);
    return 'dead-lettered';
  }
  if (deps.runsInProgress.has(body.runId)) {
    logger.warn(log, 'a second delivery of a run this agent is running: released until that ends');
    await queue.release(job, settings.visibilitySeconds);
    return 'released';
  }
  const prefix = runPrefix(body.pipeline, body.runId);
  const ttlMs = settings.visibilitySeconds * 1000;
  let runLease: Awaited<ReturnType<RunLeases['acquire']>> | undefined;
  try {
    runLease = await backend.leases?.acquire(prefix, settings.holder, ttlMs);
  } catch (error) {
    logger.warn({ ...log, err: error }, "could not take the run's lease; it is offered again later");
    await queue.release(job, settings.retryDelaySeconds);
    return 'released';
  }
  if (runLease && isHeld(runLease)) {
    // The same message, delivered again while another agent still runs it (its extensions did
    // not reach SQS): back to the queue until that agent's lease would run out.
    logger.warn(
      { ...log, heldBy: runLease.heldBy, forMs: runLease.forMs },
      'the run is running on another host: released until its lease runs out',
    );
    await queue.release(job, Math.ceil(runLease.forMs / 1000) + 1);
    return 'released';
  }
  deps.runsInProgress.add(body.runId);
  const lease = holdLease(queue, job, settings.visibilitySeconds, (error) =>
    logger.warn({ ...log, err: error }, 'could not extend the lease'),
  );
  const cancel = new AbortController();
  const runHold = runLease
    ? holdRunLease(
        runLease,
        ttlMs,
        () => {
          logger.error(log, "lost the run's lease: another agent has the run; stopping it here");
          cancel.abort();
        },
        (error) => logger.warn({ ...log, err: error }, "could not renew the run's lease"),
      )
    : undefined;
  try {
    let plan: Plan;
    if (body.plan) {
      plan = body.plan;
    } else {
      const loaded = await loadPointedPlan(backend, body.planPointer as PlanPointer);
      if (!loaded.ok) {
        logger.warn({ ...log, reason: loaded.reason }, 'job refused: moved to the dead-letter queue');
        await queue.deadLetter(job, loaded.reason);
        return 'dead-lettered';
      }
      plan = loaded.plan;
    }

    const store = fenced(backend.results(prefix), () => runHold?.lost === true);
    const previous = await store.loadResult();
    // A re-run is a new attempt only once: a repeated delivery of it finds the attempt under way.
    const rerun = body.rerun && (previous?.attempt ?? 1) < body.rerun.attempt ? body.rerun : undefined;
    if (previous && FINISHED_RUN_STATUSES.has(previous.status) && !rerun) {
      logger.info(
        { ...log, status: previous.status },
        'run already finished: acknowledging the repeated delivery',
      );
      await queue.delete(job);
      return 'finished';
    }
    const fromEarlier = previous && rerun?.scope !== 'all' ? previous : undefined;
    const resume = await goOnFrom(fromEarlier, {
      engine: deps.engine,
      plan,
      store,
      approvedGates: body.approvedGates,
      run: {
        runId: body.runId,
        pipeline: body.pipeline,
        ...(backend.snapshots ? { snapshots: backend.snapshots } : {}),
        log: logger,
      },
    });
    const previousAttempts =
      rerun && previous
        ? [...(previous.previousAttempts ?? []), attemptSummary(previous)]
        : previous?.previousAttempts;
    if (rerun) logger.info({ ...log, attempt: rerun.attempt, scope: rerun.scope }, 're-running the run');
    if (resume)
      logger.info(
        { ...log, kept: [...resume.carried.keys()], onlyDone: [...resume.onlyDone] },
        'resuming the run',
      );

    let cancelRequested = false;
    const watch = watchForCancel(
      backend.cancelRequests,
      prefix,
      settings.cancelPollMs,
      () => {
        cancelRequested = true;
        logger.info(log, 'cancel requested');
        cancel.abort();
      },
      (error) => logger.warn({ ...log, err: error }, 'could not check for a cancel request'),
    );
    const onInterrupt = (): void => cancel.abort();
    control.interrupt.addEventListener('abort', onInterrupt, { once: true });
    if (control.interrupt.aborted) onInterrupt();
    const local = backend.sourceFor?.(body.runId);
    const mirrored =
      !local && body.checkout && deps.mirrors
        ? await deps.mirrors.checkout(body.checkout, body.source.branch)
        : undefined;
    const workspace = local ?? mirrored?.workspace;
    let result: RunResult;
    try {
      logger.info({ ...log, steps: plan.steps.length }, 'run started');
      result = await runPlan({
        runId: body.runId,
        pipeline: body.pipeline,
        plan,
        engine: deps.engine,
        store,
        logs: backend.logs(body.pipeline, body.runId, prefix),
        concurrency: settings.stepConcurrency,
        ...(settings.outputLimitBytes ? { outputLimitBytes: settings.outputLimitBytes } : {}),
        ...(settings.artifactLimits ? { artifactLimits: settings.artifactLimits } : {}),
        ...(settings.stepLimits ? { limits: settings.stepLimits } : {}),
        ...(backend.caches ? { caches: backend.caches } : {}),
        ...(backend.snapshots ? { snapshots: backend.snapshots } : {}),
        ...(deps.credentials ? { credentials: deps.credentials.forRun(runIdentityOf(body)) } : {}),
        ...(backend.registryAuth ? { registryAuth: backend.registryAuth } : {}),
        // Caches belong to the repository (its full name hosted, its path locally), by branch.
        cacheScope: {
          repository: body.source.repository,
          ...(body.source.defaultBranch ? { defaultBranch: body.source.defaultBranch } : {}),
        },
        approvedGates: new Set(body.approvedGates),
        source: body.source,
        context: {
          event: body.event ?? 'push',
          ...(body.source.branch ? { branch: body.source.branch } : {}),
          ...(body.changed ? { changed: body.changed } : {}),
        },
        attempt: body.rerun?.attempt ?? job.receiveCount,
        ...(previousAttempts ? { previousAttempts } : {}),
        ...(body.checkout ? { checkout: body.checkout } : {}),
        ...(workspace ? { workspace } : {}),
        cancel: cancel.signal,
        kill: control.kill,
        logger,
        ...(resume ? { resume } : {}),
      });
    } finally {
      watch.stop();
      control.interrupt.removeEventListener('abort', onInterrupt);
      await mirrored?.dispose();
    }

    if (runHold?.lost) {
      // Its message is another agent's now (delivered again): neither deleted nor released here.
      await lease.stop();
      logger.warn(log, 'run stopped: another agent has it');
      return 'released';
    }
    if (control.interrupt.aborted && !cancelRequested && result.status === 'cancelled') {
      // Not the user's cancel: the agent is going away. Hand the run back, resumable, to whoever comes next.
      await store.saveResult(handBack(result));
      await lease.stop();
      await queue.release(job, 0);
      logger.info(log, 'agent shutting down: run interrupted and its job released');
      return 'released';
    }
    await lease.stop();
    await queue.delete(job);
    logger.info({ ...log, status: result.status }, 'run ended');
    return 'finished';
  } catch (error) {
    if (error instanceof EngineUnavailableError) {
      logger.error({ ...log, err: error }, 'the Docker engine is unreachable: job released');
      await lease.stop();
      await queue.release(job, settings.retryDelaySeconds).catch(() => {});
      return 'engine-down';
    }
    logger.error({ ...log, err: error }, 'job failed for a reason that may heal: released to retry later');
    await lease.stop();
    await queue.release(job, settings.retryDelaySeconds).catch(() => {});
    return 'released';
  } finally {
    await lease.stop();
    await runHold?.stop();
    deps.runsInProgress.delete(body.runId);
  }
}
