import type { Logger } from '@dockercise/shared';
import {
  formatDuration,
  type PlanStep,
  resultPaths,
  type StepStatus,
  workspaceOwner,
} from '@dockercise/shared';
import type { StepLog } from '../logs/log-sink.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import { checkoutEnv } from './checkout.js';
import { type ContainerOutcome, runContainer } from './container-run.js';
import {
  containerBase,
  outputPath,
  phaseSpec,
  referencedSteps,
  type SpecContext,
  trimOneNewline,
} from './container-spec.js';
import { type PumpOptions, pumpOutput, type Withheld, writeWithheld } from './output-pump.js';
import { DEFAULT_OUTPUT_LIMIT, DEFAULT_STOP_GRACE_SECONDS, type RunOptions } from './run-options.js';
import type { RunResources } from './run-resources.js';
import { dropNewCaches, prepareCaches } from './step-caches.js';
import { stepLimits } from './step-limits.js';
import { ServiceLogs, type ServiceResult, type StartedServices, startServices } from './step-services.js';

export interface StepOutcome {
  status: StepStatus;
  exitCode?: number | null;
  error?: string;
}

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
  caches(step: string, caches: Array<{ path: string; key: string; hit: boolean }>): void;
  outputStored(step: string, path: string): void;
  /** `run` succeeded and `done` is next: recorded before it starts, so a resume re-checks only `done`. */
  doneNext(step: string): Promise<void>;
}

type Pumped = Awaited<ReturnType<typeof pumpOutput>>;

/**
 * One step's phases — `run`, then `done` — each a container, and what the step's outcome is.
 * A new step field that changes how a step runs (a retry, a cache) belongs here.
 */
export class StepRunner {
  private readonly outputs: Map<string, Buffer>;

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
    this.outputs = new Map(outputs);
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
  ): Promise<StepOutcome> {
    const image = await this.resources.image(step.img);
    this.report.image(step.name, image.digest ?? image.id);
    const context = await this.context();
    const base = containerBase(context, step, await this.files(step), (ref) =>
      trimOneNewline(this.outputOf(ref).toString('utf8')),
    );
    const owner = workspaceOwner(this.options.plan, step.name);
    await Promise.all(base.volumes.map((v) => this.resources.volume(v.volume, owner)));
    const caches = await prepareCaches(this.options.engine, this.options.pipeline, step, (ref) =>
      trimOneNewline(this.outputOf(ref).toString('utf8')),
    );
    if (caches.length > 0) {
      base.volumes.push(...caches.map((c) => ({ volume: c.volume, target: c.path })));
      this.report.caches(
        step.name,
        caches.map(({ path, key, hit }) => ({ path, key, hit })),
      );
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
    }
    // A cache is kept only from a step that succeeded: a new key's volume from a failure goes.
    if (outcome.status !== 'succeeded') await dropNewCaches(this.options.engine, caches);
    return outcome;
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
    base: ReturnType<typeof containerBase>,
    context: SpecContext,
    log: StepLog,
    deadline: number,
    onlyDone: boolean,
  ): Promise<StepOutcome> {
    if (!onlyDone) {
      const run = await this.container(phaseSpec(base, context, step, 'run'), log, deadline, step, {
        capture: true,
        logStdout: !step.secret,
        withholdStderr: step.secret,
      });
      if (run.pumped?.withheld) await this.writeWithheld(run.pumped.withheld, run.pumped.output, log);
      const stopped = this.stoppedOutcome(run, step);
      if (stopped) return stopped;
      if (run.exitCode !== 0)
        return {
          status: 'failed',
          exitCode: run.exitCode ?? null,
          error: `run exited with code ${run.exitCode}`,
        };
      // Kept before `done` runs, so a resumed attempt can re-check `done` without repeating `run`.
      if (await this.keepOutput(step, run.pumped?.output ?? Buffer.alloc(0)))
        this.report.outputStored(step.name, resultPaths.output(step.name));
      if (!step.done) return { status: 'succeeded', exitCode: 0 };
      await this.report.doneNext(step.name);
    }
    if (!step.done) return { status: 'succeeded', exitCode: 0 };

    const done = await this.container(phaseSpec(base, context, step, 'done'), log, deadline, step, {
      capture: false,
      logStdout: true,
      withholdStderr: false,
    });
    const doneStopped = this.stoppedOutcome(done, step);
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
    spec: ReturnType<typeof phaseSpec>,
    log: StepLog,
    deadline: number,
    step: PlanStep,
    how: Omit<PumpOptions, 'limit' | 'onOverflow'>,
  ): Promise<ContainerOutcome<Pumped>> {
    return runContainer(
      this.options.engine,
      spec,
      {
        deadline,
        ...this.signals,
        graceSeconds: this.options.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS,
        log: this.log,
        step: step.name,
      },
      async (stream, stopForOutput) => {
        const pumped = await pumpOutput(stream, this.masker, log, {
          ...how,
          limit: this.outputLimit,
          onOverflow: stopForOutput,
        });
        if (pumped.overflowed)
          this.log.info({ step: step.name, limit: this.outputLimit }, 'step output passed the limit');
        return pumped;
      },
    );
  }

  private stoppedOutcome(outcome: ContainerOutcome<Pumped>, step: PlanStep): StepOutcome | undefined {
    const exitCode = outcome.exitCode ?? null;
    switch (outcome.stopped) {
      case 'timeout':
        return { status: 'timed-out', exitCode, error: `timed out after ${formatDuration(step.timeout)}` };
      case 'cancel':
        return { status: 'cancelled', exitCode, error: 'cancelled' };
      case 'output-limit':
        return {
          status: 'failed',
          exitCode,
          error: `stdout passed the ${formatBytes(this.outputLimit)} output limit; write large data to /workspace and share it with vol`,
        };
      default:
        return undefined;
    }
  }

  /** The files a step's containers mount: the outputs it reads, then the checkout's key files. */
  private async files(step: PlanStep): Promise<Array<{ source: string; target: string }>> {
    const files = await Promise.all(
      referencedSteps(step).map(async (ref) => ({
        source: await this.resources.files.pathFor(ref, this.outputOf(ref), this.isSecret(ref)),
        target: outputPath(ref),
      })),
    );
    const { checkout } = this.options;
    if (checkout) files.push(...(await this.resources.checkoutFiles(checkout)));
    return files;
  }

  private async context(): Promise<SpecContext> {
    const { runId, pipeline, plan, checkout, sourceDir, source } = this.options;
    return {
      runId,
      pipeline,
      plan,
      attempt: this.options.attempt ?? 1,
      network: await this.resources.runNetwork(),
      limits: stepLimits(this.options.limits),
      ...(checkout ? { checkoutEnv: checkoutEnv(checkout) } : {}),
      ...(sourceDir
        ? { source: { dir: sourceDir, ...(source?.commit ? { commit: source.commit } : {}) } }
        : {}),
    };
  }

  private writeWithheld(withheld: Withheld, output: Buffer | undefined, log: StepLog): Promise<void> {
    return writeWithheld(withheld, output, this.masker, log);
  }

  /** Keeps a finished step's output for the steps after it, and stores it unless it is (or holds) a secret. */
  private async keepOutput(step: PlanStep, output: Buffer): Promise<boolean> {
    this.outputs.set(step.name, output);
    if (step.secret) {
      if (this.masker.add(output.toString('utf8')).length > 0)
        this.log.warn(
          { step: step.name },
          'parts of a secret output are shorter than 3 characters and are not masked',
        );
      return false;
    }
    const text = output.toString('utf8');
    if (this.masker.active && this.masker.mask(text) !== text) {
      this.log.warn({ step: step.name }, 'output not stored: it contains a secret value');
      return false;
    }
    try {
      await this.options.store.saveOutput(step.name, output);
      return true;
    } catch (error) {
      this.log.warn({ err: error, step: step.name }, 'could not store the step output');
      return false;
    }
  }

  private outputOf(step: string): Buffer {
    return this.outputs.get(step) ?? Buffer.alloc(0);
  }

  private isSecret(step: string): boolean {
    return this.options.plan.steps.find((s) => s.name === step)?.secret ?? false;
  }

  private get outputLimit(): number {
    return this.options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT;
  }
}

function retryable(step: PlanStep, outcome: StepOutcome): boolean {
  if (outcome.status !== 'failed' && outcome.status !== 'timed-out') return false;
  const on = step.retry?.on;
  if (!on) return true;
  return typeof outcome.exitCode === 'number' && outcome.status === 'failed' && on.includes(outcome.exitCode);
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
