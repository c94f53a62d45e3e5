import type { Logger } from '@dockercise/shared';
import { formatDuration, type PlanStep, resultPaths } from '@dockercise/shared';
import type { StepLog } from '../logs/log-sink.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import type { TestSummary } from '../reports/junit.js';
import { runBuildStep } from './build-step.js';
import { scopeOf } from './cache-scope.js';
import { type ContainerOutcome, runContainer } from './container-run.js';
import { imageOf, phaseSpec, type SpecContext, volumeName } from './container-spec.js';
import { cutNote, OutputLimits } from './output-limits.js';
import { type PumpOptions, pumpOutput, type Withheld, writeWithheld } from './output-pump.js';
import { PreparedSteps } from './prepared-steps.js';
import { DEFAULT_STOP_GRACE_SECONDS, type RunOptions } from './run-options.js';
import type { RunResources } from './run-resources.js';
import { type KeptArtifact, StepArtifacts } from './step-artifacts.js';
import { attemptCaches, type CacheSpace, type RemoteCaches } from './step-caches.js';
import { openStepCredentials } from './step-credentials.js';
import { retryable, type StepOutcome, stoppedOutcome } from './step-outcome.js';
import { StepOutputs } from './step-outputs.js';
import { ServiceLogs, type ServiceResult, type StartedServices, startServices } from './step-services.js';
import { type StepBase, StepSpecs } from './step-specs.js';

export interface StepAttempt extends StepOutcome {
  attempt: number;
  startedAt: string;
  endedAt: string;
}

/** What the run hears from a step while it runs. */
export interface StepReport {
  image(step: string, digest: string): void;
  /** An attempt of a retried step ended (every attempt of a step with `retry`). */
  attempt(step: string, record: StepAttempt): void;
  /** The step's services, started or not, each with its log. */
  services(step: string, services: ServiceResult[]): void;
  /** The step's caches, found or made. */
  caches(
    step: string,
    caches: Array<{ path: string; key: string; hit: boolean; restoredFrom?: string }>,
  ): void;
  outputStored(step: string, path: string): void;
  /** The files kept from its workspace (`artifacts`). */
  artifacts(step: string, kept: KeptArtifact[], tests?: TestSummary): void;
  /** A build step's image: its id and the names it was pushed to. */
  built(step: string, built: { id: string; pushed: string[] }): void;
  /** The output was cut at the limit (nothing reads it): what was kept is its first `bytes`. */
  outputCut(step: string, bytes: number): void;
  /** `run` succeeded and `done` is next: recorded before it starts, so a resume re-checks only `done`. */
  doneNext(step: string): Promise<void>;
}

type Pumped = Awaited<ReturnType<typeof pumpOutput>>;

/**
 * One step's phases — `run`, then `done` — each a container, and what the step's outcome is.
 * A new step field that changes how a step runs (a retry, a cache) belongs here.
 */
export class StepRunner {
  private readonly outputs: StepOutputs;
  private readonly limits: OutputLimits;
  private readonly specs: StepSpecs;
  private readonly artifacts: StepArtifacts;
  /** Containers made ahead of their steps' start: the run fills it (RunGraph.upcoming). */
  readonly prepared: PreparedSteps;

  constructor(
    private readonly options: RunOptions,
    private readonly resources: RunResources,
    private readonly masker: SecretMasker,
    private readonly signals: { cancel: AbortSignal; kill: AbortSignal },
    private readonly report: StepReport,
    private readonly log: Logger,
    /** Outputs of steps kept from an earlier attempt. */
    outputs: ReadonlyMap<string, Buffer> = new Map(),
  ) {
    this.outputs = new StepOutputs(options.plan, masker, options.store, log, outputs);
    this.limits = new OutputLimits(options.plan, options.outputLimitBytes);
    this.specs = new StepSpecs(options, resources, this.outputs);
    this.artifacts = new StepArtifacts(options.engine, options.store, options.artifactLimits);
    this.prepared = new PreparedSteps(resources, log, (step) => this.specs.ahead(step));
  }

  /**
   * Runs the step, again while it fails and its `retry` allows: any failure, a timeout included, or
   * only the exit codes it names. A cancel is never retried. Each attempt gets the whole timeout.
   */
  async run(step: PlanStep, log: StepLog, timeoutMs: number, onlyDone: boolean): Promise<StepOutcome> {
    const attempts = 1 + (step.retry?.count ?? 0);
    const serviceLogs = new ServiceLogs(this.options.logs, step.name);
    try {
      return await this.attempts(step, log, timeoutMs, onlyDone, attempts, serviceLogs);
    } finally {
      await serviceLogs
        .close()
        .catch((error: unknown) =>
          this.log.warn({ err: error, step: step.name }, 'could not close a service log'),
        );
    }
  }

  private async attempts(
    step: PlanStep,
    log: StepLog,
    timeoutMs: number,
    onlyDone: boolean,
    attempts: number,
    serviceLogs: ServiceLogs,
  ): Promise<StepOutcome> {
    for (let attempt = 1; ; attempt++) {
      const startedAt = new Date();
      if (attempt > 1)
        await log.write([
          {
            ts: startedAt.getTime(),
            stream: 'stderr',
            text: `[dockercise: attempt ${attempt} of ${attempts}]`,
          },
        ]);
      const outcome = await this.attempt(
        step,
        log,
        startedAt.getTime() + timeoutMs,
        onlyDone && attempt === 1,
        serviceLogs,
        attempt,
      );
      if (step.retry)
        this.report.attempt(step.name, {
          attempt,
          ...outcome,
          startedAt: startedAt.toISOString(),
          endedAt: new Date().toISOString(),
        });
      if (attempt >= attempts || !retryable(step, outcome)) return outcome;
    }
  }

  private async attempt(
    step: PlanStep,
    log: StepLog,
    deadline: number,
    onlyDone: boolean,
    serviceLogs: ServiceLogs,
    attempt: number,
  ): Promise<StepOutcome> {
    const context = await this.specs.context();
    if (step.build) return this.build({ ...step, build: step.build }, context, log, deadline);
    const image = await this.resources.image(imageOf(step, (ref) => this.outputs.text(ref)));
    this.report.image(step.name, image.digest ?? image.id);
    const base = await this.specs.base(step, context, 'fill');
    if (attempt > 1) base.env.DOCKERCISE_STEP_ATTEMPT = String(attempt);
    const caches = await attemptCaches(
      this.options.engine,
      this.cacheSpace,
      step,
      (ref) => this.outputs.text(ref),
      this.remoteCaches(),
    );
    if (caches.mounts.length > 0) {
      base.volumes.push(...caches.mounts);
      this.report.caches(step.name, caches.reported);
    }
    const credentials = await openStepCredentials(this.options.credentials, step, this.masker);
    if (credentials && 'refused' in credentials) {
      await caches.finish(false);
      return { status: 'failed', error: credentials.refused };
    }
    if (credentials) {
      Object.assign(base.env, credentials.env);
      base.alsoOn = [credentials.network];
    }
    let services: StartedServices | undefined;
    let outcome: StepOutcome;
    try {
      services = await this.startServices(step, context, serviceLogs);
      if (services) base.network = services.network;
      outcome = services?.error
        ? { status: this.signals.cancel.aborted ? 'cancelled' : 'failed', error: services.error }
        : await this.phases(step, base, context, log, deadline, onlyDone);
    } finally {
      await services?.stop();
      await credentials?.close();
    }
    // A failed step's files are kept too: its test reports are what explain the failure.
    if ((step.artifacts?.length || step.reports) && outcome.status !== 'cancelled') {
      const globs = { artifacts: step.artifacts ?? [], junit: step.reports?.junit ?? [] };
      const kept = await this.artifacts.keep(
        step.name,
        globs,
        volumeName(context, step.name),
        base.image,
        log,
      );
      this.report.artifacts(step.name, kept.kept, kept.tests);
    }

    // A cache is kept only from a step that succeeded: a new key's volume from a failure goes.
    await caches.finish(outcome.status === 'succeeded');
    return outcome;
  }

  /** A build step: the image built from its workspace by the engine, pushed, its reference the output. */
  private async build(
    step: PlanStep & { build: NonNullable<PlanStep['build']> },
    context: SpecContext,
    log: StepLog,
    deadline: number,
  ): Promise<StepOutcome> {
    await this.specs.base(step, context, 'fill');
    const stop = AbortSignal.any([
      this.signals.cancel,
      this.signals.kill,
      AbortSignal.timeout(Math.max(0, deadline - Date.now())),
    ]);
    const result = await runBuildStep(step, volumeName(context, step.name), {
      engine: this.options.engine,
      ...(this.options.registryAuth ? { registryAuth: this.options.registryAuth } : {}),
      masker: this.masker,
      log,
      runId: this.options.runId,
      outputText: (ref) => this.outputs.text(ref),
      signal: stop,
    });
    if (result.built) this.report.built(step.name, result.built);
    if (result.output !== undefined && (await this.outputs.keep(step, Buffer.from(result.output))))
      this.report.outputStored(step.name, resultPaths.output(step.name));
    // Past its deadline the builder was stopped: a timeout, not a cancel.
    if (result.outcome.status === 'cancelled' && !this.signals.cancel.aborted && !this.signals.kill.aborted)
      return { status: 'timed-out', error: `timed out after ${formatDuration(step.timeout)}` };
    return result.outcome;
  }

  /** The step's services, started and ready, on the step's own network; undefined without any. */
  private async startServices(
    step: PlanStep,
    context: SpecContext,
    logs: ServiceLogs,
  ): Promise<StartedServices | undefined> {
    const { services } = step;
    if (!services || services.length === 0) return undefined;
    const started = await startServices({ ...step, services }, logs, {
      engine: this.options.engine,
      resources: this.resources,
      runId: this.options.runId,
      masker: this.masker,
      limits: context.limits,
      cancel: this.signals.cancel,
      log: this.log,
    });
    this.report.services(step.name, started.results);
    return started;
  }

  private async phases(
    step: PlanStep,
    base: StepBase,
    context: SpecContext,
    log: StepLog,
    deadline: number,
    onlyDone: boolean,
  ): Promise<StepOutcome> {
    if (!onlyDone) {
      const limit = this.limits.of(step);
      const run = await this.container('run', phaseSpec(base, context, step, 'run'), log, deadline, step, {
        capture: true,
        logStdout: !step.secret,
        withholdStderr: step.secret,
        overflow: this.limits.overflow(step),
        limit,
      });
      if (run.pumped?.cut) {
        this.report.outputCut(step.name, limit);
        await log.write([cutNote(limit)]);
      }
      if (run.pumped?.withheld) await this.writeWithheld(run.pumped.withheld, run.pumped.output, log);
      const stopped = stoppedOutcome(run, step, limit);
      if (stopped) return stopped;
      if (run.exitCode !== 0) {
        // What needs an allowed failure runs as if it had succeeded: with what it printed.
        if (step.allowFailure && (await this.outputs.keep(step, run.pumped?.output ?? Buffer.alloc(0))))
          this.report.outputStored(step.name, resultPaths.output(step.name));
        return {
          status: 'failed',
          exitCode: run.exitCode ?? null,
          error: `run exited with code ${run.exitCode}`,
        };
      }
      // Kept before `done` runs, so a resumed attempt can re-check `done` without repeating `run`.
      if (await this.outputs.keep(step, run.pumped?.output ?? Buffer.alloc(0)))
        this.report.outputStored(step.name, resultPaths.output(step.name));
      if (!step.done) return { status: 'succeeded', exitCode: 0 };
      await this.report.doneNext(step.name);
    }
    if (!step.done) return { status: 'succeeded', exitCode: 0 };

    const done = await this.container('done', phaseSpec(base, context, step, 'done'), log, deadline, step, {
      capture: false,
      logStdout: true,
      withholdStderr: false,
      overflow: 'stop',
      limit: this.limits.of(step),
    });
    const doneStopped = stoppedOutcome(done, step, this.limits.of(step));
    if (doneStopped) return doneStopped;
    if (done.exitCode !== 0)
      return {
        status: 'failed',
        exitCode: done.exitCode ?? null,
        error: `done exited with code ${done.exitCode}: the step's work is not confirmed`,
      };
    return { status: 'succeeded', exitCode: 0 };
  }

  private container(
    phase: 'run' | 'done',
    spec: ReturnType<typeof phaseSpec>,
    log: StepLog,
    deadline: number,
    step: PlanStep,
    how: Omit<PumpOptions, 'onOverflow'>,
  ): Promise<ContainerOutcome<Pumped>> {
    return runContainer(
      this.options.engine,
      {
        make: () => (phase === 'run' ? this.prepared.take(step.name, spec) : this.resources.container(spec)),
        start: (handle) => this.resources.start(handle),
        release: (handle) => this.resources.release(handle),
      },
      {
        deadline,
        ...this.signals,
        graceSeconds: this.options.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS,
        log: this.log,
        step: step.name,
      },
      async (stream, stopForOutput) => {
        const pumped = await pumpOutput(stream, this.masker, log, { ...how, onOverflow: stopForOutput });
        if (pumped.overflowed || pumped.cut)
          this.log.info(
            { step: step.name, limit: how.limit, cut: pumped.cut },
            'step output passed the limit',
          );
        return pumped;
      },
    );
  }

  /** A pull request's run reads the bucket's caches and never writes one a branch build would read. */
  private remoteCaches(): RemoteCaches | undefined {
    const { caches } = this.options;
    return caches ? { store: caches, log: this.log } : undefined;
  }

  private get cacheSpace(): CacheSpace {
    const { pipeline, runId, context, cacheScope } = this.options;
    return { pipeline, runId, scope: scopeOf(pipeline, context, cacheScope) };
  }

  private writeWithheld(withheld: Withheld, output: Buffer | undefined, log: StepLog): Promise<void> {
    return writeWithheld(withheld, output, this.masker, log);
  }
}
