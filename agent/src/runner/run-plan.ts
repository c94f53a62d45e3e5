import {
  filterMismatch,
  type PlanStep,
  type RunResult,
  type StepResult,
  silentLogger,
} from '@dockercise/shared';
import { EngineUnavailableError } from '../engine/engine.js';
import { SecretMasker } from '../logs/secret-masker.js';
import { withFlaky } from '../reports/junit.js';
import { firstResult } from './first-result.js';
import { keepForGate, volumesOf } from './gate-workspaces.js';
import { OutputFiles } from './output-files.js';
import { ResultWriter } from './result-writer.js';
import { RunGraph } from './run-graph.js';
import { DEFAULT_CONCURRENCY, type RunOptions } from './run-options.js';
import { RunResources } from './run-resources.js';
import type { StepOutcome } from './step-outcome.js';
import { StepRunner } from './step-runner.js';

export { trimOneNewline } from './container-spec.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_OUTPUT_LIMIT,
  DEFAULT_STOP_GRACE_SECONDS,
  RUN_LABEL,
  type RunOptions,
  STEP_LABEL,
} from './run-options.js';

/** Runs a plan to the end (or to its gates) and returns the final result, which the store also holds. */
export async function runPlan(options: RunOptions): Promise<RunResult> {
  return new PlanRun(options).execute();
}

/**
 * The run's loop and its result: which steps may start (RunGraph), each step's status as it goes,
 * result.json kept current, cancel and kill, and what the run's status is at the end. How a step
 * runs is StepRunner's.
 */
class PlanRun {
  /** When this attempt began; the run itself may have begun an attempt earlier (a resume). */
  private readonly attemptStartedAt = Date.now();
  private readonly graph: RunGraph;
  private readonly steps = new Map<string, StepResult>();
  private readonly resources: RunResources;
  private readonly stepRunner: StepRunner;
  private readonly writer: ResultWriter;
  private readonly cancel = new AbortController();
  private readonly kill = new AbortController();
  private readonly log;
  private readonly result: RunResult;
  private fatal: EngineUnavailableError | undefined;
  /** Steps cut short because the engine went away: pending again, for the next attempt to run. */
  private readonly interrupted = new Set<string>();

  constructor(private readonly options: RunOptions) {
    const approved = options.approvedGates ?? new Set<string>();
    const isApproved = (gate: string): boolean => approved === 'all' || approved.has(gate);
    const resume = options.resume;
    const context = options.context ?? { event: 'manual' as const };
    this.graph = new RunGraph(options.plan, isApproved, resume?.carried, resume?.extraNeeds, (step) =>
      filterMismatch(step.when ?? [], context),
    );
    this.log = options.logger ?? silentLogger;
    const masker = new SecretMasker();
    // The deploy key is a secret from the start: masked wherever a step prints it.
    if (options.checkout) masker.add(options.checkout.deployKey);
    this.resources = new RunResources(
      options.engine,
      options.runId,
      new OutputFiles(options.runId),
      options.pull,
      this.log,
      options.workspace,
      volumesOf(options.plan, options.runId, resume?.kept ?? []),
      options.registryAuth,
    );
    this.stepRunner = new StepRunner(
      options,
      this.resources,
      masker,
      { cancel: this.cancel.signal, kill: this.kill.signal },
      {
        image: (step, digest) => this.update(step, { imageDigest: digest }),
        caches: (step, caches) => this.update(step, { caches }),
        services: (step, services) => this.update(step, { services }),
        attempt: (step, record) => {
          this.update(step, { attempts: [...(this.steps.get(step)?.attempts ?? []), record] });
          this.changed();
        },
        outputStored: (step, path) => this.update(step, { output: path }),
        built: (step, built) => this.update(step, { built }),
        artifacts: (step, artifacts, tests) => {
          // A retried step's tests that failed before and not now are flaky.
          const merged = tests ? withFlaky(this.steps.get(step)?.tests, tests) : undefined;
          this.update(step, {
            ...(artifacts.length > 0 ? { artifacts } : {}),
            ...(merged ? { tests: merged } : {}),
          });
        },
        outputCut: (step, bytes) => this.update(step, { outputCutAt: bytes }),
        doneNext: async (step) => {
          this.update(step, { phase: 'done' });
          this.changed();
          await this.writer
            .flush()
            .catch((error: unknown) =>
              this.log.warn({ err: error }, 'could not save result.json before done'),
            );
        },
      },
      this.log,
      resume?.outputs,
    );
    const first = firstResult(options, isApproved, this.graph.filtered);
    this.result = first.result;
    for (const step of first.steps) this.steps.set(step.name, step);
    this.writer = new ResultWriter(
      options.store,
      () => this.snapshot(),
      (error) => this.log.warn({ err: error }, 'could not save result.json; will retry'),
    );
  }

  async execute(): Promise<RunResult> {
    const { cancel, kill } = this.options;
    const onCancel = (): void => this.startCancelling();
    const onKill = (): void => {
      this.kill.abort();
      this.startCancelling();
    };
    cancel?.addEventListener('abort', onCancel, { once: true });
    kill?.addEventListener('abort', onKill, { once: true });
    if (cancel?.aborted) onCancel();
    if (kill?.aborted) onKill();

    this.changed();
    const concurrency = Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
    const running = new Map<string, Promise<void>>();
    try {
      for (;;) {
        if (!this.cancel.signal.aborted) {
          for (const step of this.graph.ready()) {
            if (running.size >= concurrency) break;
            this.graph.start(step.name);
            running.set(
              step.name,
              this.executeStep(step).finally(() => running.delete(step.name)),
            );
          }
          this.prepareUpcoming(concurrency);
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
    } catch (error) {
      await this.cleanUp();
      throw error;
    } finally {
      cancel?.removeEventListener('abort', onCancel);
      kill?.removeEventListener('abort', onKill);
    }

    const ended = new Date();
    this.result.status = this.graph.outcome(this.cancel.signal.aborted);
    if (!this.fatal && (this.result.status === 'failed' || this.result.status === 'cancelled'))
      this.closeGates();
    if (this.fatal) {
      // Not the pipeline's fault: leave the run resumable, so a later delivery finishes it.
      this.result.status = 'pending';
      this.result.error = `interrupted: ${this.fatal.message}`;
      for (const name of this.interrupted)
        this.update(name, { status: 'pending', error: 'interrupted: the Docker engine became unreachable' });
    }
    this.result.endedAt = ended.toISOString();
    // The attempt's own time: a run resumed two days after its gate did not take two days.
    this.result.durationMs = ended.getTime() - this.attemptStartedAt;
    // Tidied up before the end is recorded: an ended run can be approved or re-run at once, and the
    // next attempt's containers carry the same run label that this clean-up sweeps. What is left to
    // remove here is little: an ended container goes once the next one has started.
    const { engine, plan, runId, pipeline, snapshots } = this.options;
    const run = { runId, pipeline, ...(snapshots ? { snapshots } : {}), log: this.log };
    await this.cleanUp(await keepForGate(engine, plan, this.snapshot(), run));
    await this.writer.flush();
    this.options.onChange?.(this.snapshot());
    if (this.fatal) throw this.fatal;
    return this.snapshot();
  }

  /**
   * Makes containers ahead for steps that will start next — ready ones waiting for a slot, and
   * those whose needs are running — at most `concurrency` at a time (prepared-steps.ts).
   */
  private prepareUpcoming(concurrency: number): void {
    const skip = this.options.resume;
    const upcoming = this.graph
      .upcoming()
      .filter((s) => !skip?.onlyDone.has(s.name) && !skip?.givenUp.has(s.name));
    this.stepRunner.prepared.prepare(upcoming, concurrency);
  }

  /** Every container, volume and network of the run goes, the prepared but unused ones too; `keep` stays. */
  private async cleanUp(keep?: ReadonlySet<string>): Promise<void> {
    await this.stepRunner.prepared.discardAll();
    await this.resources.cleanUp(this.log, keep);
  }

  private closeGates(): void {
    const skipped = this.graph.skipWaiting();
    for (const name of skipped)
      this.update(name, { status: 'skipped', error: 'skipped: the run failed before its gate was approved' });
    this.result.gates = this.result.gates.map((gate) =>
      gate.status === 'waiting' ? { ...gate, status: 'skipped' } : gate,
    );
  }

  private startCancelling(): void {
    if (!this.cancel.signal.aborted) this.cancel.abort();
    for (const name of this.graph.cancelRemaining()) {
      this.update(name, { status: 'cancelled' });
      if (this.fatal) this.interrupted.add(name);
    }
    this.changed();
  }

  private async executeStep(step: PlanStep): Promise<void> {
    const startedAt = new Date();
    const onlyDone = this.options.resume?.onlyDone.has(step.name) === true;
    const hostLost = this.options.resume?.hostLost.get(step.name);
    this.update(step.name, {
      status: 'running',
      startedAt: startedAt.toISOString(),
      phase: onlyDone ? 'done' : 'run',
      ...(hostLost ? { hostLost } : {}),
    });
    this.changed();
    const log = this.options.logs.open(step.name);
    let outcome: StepOutcome;
    try {
      outcome = this.options.resume?.givenUp.has(step.name)
        ? {
            status: 'failed',
            error: `its host was lost ${hostLost} times while it ran; not run again (retry: { count: N, on: [host-lost] } allows more)`,
          }
        : await this.stepRunner.run(step, log, step.timeout * 1000, onlyDone);
    } catch (error) {
      if (error instanceof EngineUnavailableError) {
        // Without an engine nothing else can run either: stop the run, keep the reason.
        this.fatal ??= error;
        this.interrupted.add(step.name);
        this.kill.abort();
        this.startCancelling();
      }
      outcome = { status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
    try {
      await log.close();
    } catch (error) {
      this.log.warn({ err: error, step: step.name }, 'could not close the step log');
    }

    const endedAt = new Date();
    const patch: Partial<StepResult> = {
      status: outcome.status,
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
    };
    if (outcome.exitCode !== undefined) patch.exitCode = outcome.exitCode;
    if (outcome.error !== undefined) patch.error = outcome.error;
    const allowedToFail =
      step.allowFailure === true && (outcome.status === 'failed' || outcome.status === 'timed-out');
    if (allowedToFail) patch.allowedFailure = true;
    if (this.fatal && outcome.status === 'cancelled') this.interrupted.add(step.name);
    this.update(step.name, patch);
    for (const skipped of this.graph.finish(step.name, outcome.status, allowedToFail)) {
      this.update(skipped, { status: 'skipped', error: `skipped: ${step.name} ${outcome.status}` });
    }
    this.changed();
  }

  private update(name: string, patch: Partial<StepResult>): void {
    const current = this.steps.get(name);
    if (current) this.steps.set(name, { ...current, ...patch });
  }

  private changed(): void {
    this.writer.changed();
    this.options.onChange?.(this.snapshot());
  }

  private snapshot(): RunResult {
    return {
      ...this.result,
      steps: this.options.plan.steps.map((s) => this.steps.get(s.name) as StepResult),
    };
  }
}
