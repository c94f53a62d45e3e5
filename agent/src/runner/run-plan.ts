import {
  formatDuration,
  type Plan,
  type PlanStep,
  type RunResult,
  type RunStatus,
  renderTemplate,
  resultPaths,
  type StepResult,
  type StepStatus,
  workspaceOwner,
} from '@dockercise/shared';
import {
  type ContainerEngine,
  type ContainerSpec,
  EngineUnavailableError,
  type ImageInfo,
  type OutputChunk,
  type PullPolicy,
  type ResourceLimits,
} from '../engine/engine.js';
import { LineSplitter } from '../logs/line-splitter.js';
import type { LogLine, LogSink, StepLog } from '../logs/log-sink.js';
import { SecretMasker } from '../logs/secret-masker.js';
import type { ResultStore } from '../store/result-store.js';
import { type Checkout, checkoutEnv, checkoutMounts } from './checkout.js';
import { type Logger, silentLogger } from './logger.js';
import { OUTPUT_MOUNT_DIR, OutputFiles } from './output-files.js';
import { ResultWriter } from './result-writer.js';
import type { Resume } from './resume.js';
import { RunGraph } from './run-graph.js';
import { stepLimits } from './step-limits.js';

export const RUN_LABEL = 'dockercise.run';
export const STEP_LABEL = 'dockercise.step';
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_OUTPUT_LIMIT = 1024 * 1024;
export const DEFAULT_STOP_GRACE_SECONDS = 10;
/** After a container exits, how long its output stream may take to end before we stop waiting. */
const STREAM_DRAIN_MS = 5000;

export interface RunOptions {
  runId: string;
  pipeline: string;
  plan: Plan;
  engine: ContainerEngine;
  store: ResultStore;
  logs: LogSink;
  concurrency?: number;
  /** Gates passed for this run; `all` passes every gate. */
  approvedGates?: ReadonlySet<string> | 'all';
  pull?: PullPolicy;
  limits?: ResourceLimits;
  outputLimitBytes?: number;
  stopGraceSeconds?: number;
  /** Aborting stops running steps with the grace period, then kills them. */
  cancel?: AbortSignal;
  /** Aborting kills running steps at once (a second Ctrl-C). */
  kill?: AbortSignal;
  source?: RunResult['source'];
  /** The repository to clone, and the read-only deploy key to clone it with (see checkout.ts). */
  checkout?: Checkout;
  /**
   * A host folder holding the repository at the run's commit (the local server's snapshot), mounted
   * read-only at /dockercise/source in every step, which sees it as DOCKERCISE_SOURCE.
   */
  sourceDir?: string;
  /** Which delivery of the run this is (1 for the first): steps see it as DOCKERCISE_ATTEMPT. */
  attempt?: number;
  /** Go on from an earlier attempt at this run (see planResume). */
  resume?: Resume;
  /** Called with the newest result at every status change. */
  onChange?: (result: RunResult) => void;
  logger?: Logger;
}

/** Where a local snapshot of the repository appears in steps. */
export const SOURCE_MOUNT_DIR = '/dockercise/source';

type Stopped = 'timeout' | 'cancel' | 'output-limit';

interface ContainerOutcome {
  exitCode?: number;
  output?: Buffer;
  stopped?: Stopped;
  /** A secret step's stderr, held back until its value is known (see pump). */
  withheld?: Withheld;
}

interface Withheld {
  chunks: Buffer[];
  dropped: number;
}

/** How much of a secret step's stderr is held back before the rest is dropped. */
const WITHHELD_STDERR_LIMIT = 1024 * 1024;

interface StepOutcome {
  status: StepStatus;
  exitCode?: number | null;
  error?: string;
}

/** Runs a plan to the end (or to its gates) and returns the final result, which the store also holds. */
export async function runPlan(options: RunOptions): Promise<RunResult> {
  return new PlanRun(options).execute();
}

class PlanRun {
  private readonly graph: RunGraph;
  private readonly steps = new Map<string, StepResult>();
  private readonly outputs = new Map<string, Buffer>();
  private readonly masker = new SecretMasker();
  private readonly files: OutputFiles;
  private readonly images = new Map<string, Promise<ImageInfo>>();
  private readonly volumes = new Map<string, Promise<void>>();
  private readonly writer: ResultWriter;
  private readonly cancel = new AbortController();
  private readonly kill = new AbortController();
  private readonly log: Logger;
  private readonly result: RunResult;
  private fatal: EngineUnavailableError | undefined;
  private checkoutFiles: Promise<ContainerSpec['files']> | undefined;
  private runNetwork: Promise<string> | undefined;
  /** Steps cut short because the engine went away: pending again, for the next attempt to run. */
  private readonly interrupted = new Set<string>();

  constructor(private readonly options: RunOptions) {
    const approved = options.approvedGates ?? new Set<string>();
    const isApproved = (gate: string): boolean => approved === 'all' || approved.has(gate);
    const resume = options.resume;
    this.graph = new RunGraph(options.plan, isApproved, resume?.carried, resume?.extraNeeds);
    for (const [name, output] of resume?.outputs ?? []) this.outputs.set(name, output);
    this.files = new OutputFiles(options.runId);
    // The deploy key is a secret from the start: masked wherever a step prints it.
    if (options.checkout) this.masker.add(options.checkout.deployKey);
    this.log = options.logger ?? silentLogger;
    this.result = {
      version: 1,
      runId: options.runId,
      pipeline: options.pipeline,
      status: 'running',
      startedAt: resume?.previous.startedAt ?? new Date().toISOString(),
      ...(options.source ? { source: options.source } : {}),
      steps: [],
      gates: options.plan.gates.map((g) => ({
        name: g.name,
        status: isApproved(g.name) ? 'approved' : 'waiting',
      })),
    };
    const earlier = new Map((resume?.previous.steps ?? []).map((s) => [s.name, s]));
    for (const step of options.plan.steps) {
      const kept = earlier.get(step.name);
      if (kept && resume?.carried.has(step.name)) {
        this.steps.set(step.name, kept);
        continue;
      }
      this.steps.set(step.name, {
        name: step.name,
        status: this.graph.status(step.name),
        image: step.img,
        log: resultPaths.log(step.name),
        secret: step.secret,
      });
    }
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
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
    } finally {
      cancel?.removeEventListener('abort', onCancel);
      kill?.removeEventListener('abort', onKill);
      await this.cleanUp();
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
    this.result.durationMs = ended.getTime() - Date.parse(this.result.startedAt);
    await this.writer.flush();
    this.options.onChange?.(this.snapshot());
    if (this.fatal) throw this.fatal;
    return this.snapshot();
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
    this.update(step.name, {
      status: 'running',
      startedAt: startedAt.toISOString(),
      phase: onlyDone ? 'done' : 'run',
    });
    this.changed();
    const log = this.options.logs.open(step.name);
    let outcome: StepOutcome;
    try {
      outcome = await this.runStep(step, log, startedAt.getTime() + step.timeout * 1000, onlyDone);
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
    if (this.fatal && outcome.status === 'cancelled') this.interrupted.add(step.name);
    this.update(step.name, patch);
    for (const skipped of this.graph.finish(step.name, outcome.status)) {
      this.update(skipped, { status: 'skipped', error: `skipped: ${step.name} ${outcome.status}` });
    }
    this.changed();
  }

  private async runStep(
    step: PlanStep,
    log: StepLog,
    deadline: number,
    onlyDone: boolean,
  ): Promise<StepOutcome> {
    const image = await this.image(step.img);
    this.update(step.name, { imageDigest: image.digest ?? image.id });
    const base = await this.containerBase(step);
    const prefix = `dockercise-${this.options.runId}-${step.name}`;
    const resolveFile = (ref: string): string => `${OUTPUT_MOUNT_DIR}/${ref}`;

    if (!onlyDone) {
      const run = await this.runContainer(
        { ...base, name: prefix, command: ['/bin/sh', '-c', renderTemplate(step.run, resolveFile)] },
        { capture: true, logStdout: !step.secret },
        log,
        deadline,
        step,
      );
      if (run.withheld) await this.writeWithheld(run.withheld, run.output, log);
      const stopped = this.stoppedOutcome(run, step);
      if (stopped) return stopped;
      if (run.exitCode !== 0) {
        return {
          status: 'failed',
          exitCode: run.exitCode ?? null,
          error: `run exited with code ${run.exitCode}`,
        };
      }
      // Kept before `done` runs, so a resumed attempt can re-check `done` without repeating `run`.
      if (await this.keepOutput(step, run.output ?? Buffer.alloc(0)))
        this.update(step.name, { output: resultPaths.output(step.name) });
      if (!step.done) return { status: 'succeeded', exitCode: 0 };
      this.update(step.name, { phase: 'done' });
      this.changed();
      await this.writer
        .flush()
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not save result.json before done'));
    }
    if (!step.done) return { status: 'succeeded', exitCode: 0 };

    const done = await this.runContainer(
      { ...base, name: `${prefix}-done`, command: ['/bin/sh', '-c', renderTemplate(step.done, resolveFile)] },
      { capture: false, logStdout: true },
      log,
      deadline,
      step,
    );
    const doneStopped = this.stoppedOutcome(done, step);
    if (doneStopped) return doneStopped;
    if (done.exitCode !== 0) {
      return {
        status: 'failed',
        exitCode: done.exitCode ?? null,
        error: `done exited with code ${done.exitCode}: the step's work is not confirmed`,
      };
    }
    return { status: 'succeeded', exitCode: 0 };
  }

  private stoppedOutcome(outcome: ContainerOutcome, step: PlanStep): StepOutcome | undefined {
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

  /** What both of a step's containers share: image, env, mounts, labels, limits. */
  private async containerBase(step: PlanStep): Promise<Omit<ContainerSpec, 'name' | 'command'>> {
    const { runId, plan } = this.options;
    const volumeOf = (name: string): string => `dockercise-${runId}-${workspaceOwner(plan, name)}`;
    const labels = { [RUN_LABEL]: runId, [STEP_LABEL]: step.name };
    const volumes = [
      { volume: volumeOf(step.name), target: '/workspace' },
      ...step.vol.map((v) => ({ volume: volumeOf(v), target: `/vol/${v}` })),
    ];
    await Promise.all(volumes.map((v) => this.volume(v.volume, workspaceOwner(plan, step.name))));

    const referenced = new Set<string>();
    for (const template of [step.run, step.done ?? []]) {
      for (const part of template) if (typeof part !== 'string') referenced.add(part.ref);
    }
    const files = await Promise.all(
      [...referenced].sort().map(async (ref) => ({
        source: await this.files.pathFor(ref, this.outputOf(ref), this.isSecret(ref)),
        target: `${OUTPUT_MOUNT_DIR}/${ref}`,
      })),
    );

    const env: Record<string, string> = {
      CI: 'true',
      DOCKERCISE: 'true',
      DOCKERCISE_RUN_ID: runId,
      DOCKERCISE_PIPELINE: this.options.pipeline,
      DOCKERCISE_STEP: step.name,
      DOCKERCISE_ATTEMPT: String(this.options.attempt ?? 1),
    };
    const asText = (ref: string): string => trimOneNewline(this.outputOf(ref).toString('utf8'));
    for (const variable of step.env) env[variable.name] = renderTemplate(variable.value, asText);
    const { checkout } = this.options;
    if (checkout) {
      this.checkoutFiles ??= checkoutMounts(checkout, this.files);
      files.push(...(await this.checkoutFiles));
      Object.assign(env, checkoutEnv(checkout));
    }
    if (this.options.sourceDir) {
      files.push({ source: this.options.sourceDir, target: SOURCE_MOUNT_DIR });
      env.DOCKERCISE_SOURCE = SOURCE_MOUNT_DIR;
      if (this.options.source?.commit) env.DOCKERCISE_COMMIT = this.options.source.commit;
    }

    return {
      image: step.img,
      env,
      workdir: '/workspace',
      labels,
      volumes,
      files,
      network: await this.network(),
      limits: stepLimits(this.options.limits),
    };
  }

  private async runContainer(
    spec: ContainerSpec,
    how: { capture: boolean; logStdout: boolean },
    log: StepLog,
    deadline: number,
    step: PlanStep,
  ): Promise<ContainerOutcome> {
    if (this.cancel.signal.aborted) return { stopped: 'cancel' };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { stopped: 'timeout' };

    const { engine } = this.options;
    const handle = await engine.setup(spec);
    let stopped: Stopped | undefined;
    const stop = (reason: Stopped, graceSeconds: number): void => {
      stopped ??= reason;
      engine.stop(handle, graceSeconds).catch((error: unknown) => {
        this.log.warn({ err: error, step: step.name }, 'could not stop the container');
      });
    };
    const grace = this.options.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS;
    const timer = setTimeout(() => stop('timeout', 0), remaining);
    const onCancel = (): void => stop('cancel', grace);
    const onKill = (): void => stop('cancel', 0);
    this.cancel.signal.addEventListener('abort', onCancel);
    this.kill.signal.addEventListener('abort', onKill);
    try {
      const stream = await engine.start(handle);
      if (this.kill.signal.aborted) onKill();
      else if (this.cancel.signal.aborted) onCancel();
      const exit = engine.wait(handle);
      const pump = this.pump(stream, how, log, step, () => stop('output-limit', 0));
      pump.catch(() => {});
      // A wait on a dead daemon's connection can hang without an error: check the engine meanwhile.
      const watch = watchEngine(engine);
      let exitCode: number;
      try {
        exitCode = await Promise.race([exit, watch.lost]);
      } finally {
        watch.stop();
      }
      const drained = await Promise.race([pump.then(() => true), delay(STREAM_DRAIN_MS).then(() => false)]);
      if (!drained)
        this.log.warn({ step: step.name }, 'the output stream did not end after the container exited');
      const pumped = drained ? await pump : undefined;
      return {
        exitCode,
        ...(pumped?.output ? { output: pumped.output } : {}),
        ...(pumped?.withheld ? { withheld: pumped.withheld } : {}),
        ...(stopped ? { stopped } : {}),
      };
    } finally {
      clearTimeout(timer);
      this.cancel.signal.removeEventListener('abort', onCancel);
      this.kill.signal.removeEventListener('abort', onKill);
      await engine.destroy(handle).catch((error: unknown) => {
        this.log.warn({ err: error, step: step.name }, 'could not remove the container');
      });
    }
  }

  /**
   * Streams a container's output into the step log (masked) and, when asked, captures stdout. A
   * secret step's `run` prints its secret on stdout, so until it ends the value is unknown and its
   * stderr cannot be masked: that stderr is held back (bounded) and logged once the value is known.
   */
  private async pump(
    stream: AsyncIterable<OutputChunk>,
    how: { capture: boolean; logStdout: boolean },
    log: StepLog,
    step: PlanStep,
    onOverflow: () => void,
  ): Promise<{ output?: Buffer; withheld?: Withheld }> {
    const splitters = { stdout: new LineSplitter(this.masker), stderr: new LineSplitter(this.masker) };
    const withheld: Withheld | undefined =
      step.secret && how.capture ? { chunks: [], dropped: 0 } : undefined;
    let withheldBytes = 0;
    const captured: Buffer[] = [];
    let size = 0;
    let overflowed = false;
    const limit = this.outputLimit;
    const toLines = (stream: LogLine['stream'], texts: string[]): LogLine[] => {
      const ts = Date.now();
      return texts.map((text) => ({ ts, stream, text }));
    };
    for await (const chunk of stream) {
      if (chunk.stream === 'stdout' && how.capture && !overflowed) {
        size += chunk.data.length;
        if (size > limit) {
          overflowed = true;
          captured.length = 0;
          onOverflow();
        } else {
          captured.push(chunk.data);
        }
      }
      if (chunk.stream === 'stdout' && !how.logStdout) continue;
      if (chunk.stream === 'stderr' && withheld) {
        if (withheldBytes + chunk.data.length <= WITHHELD_STDERR_LIMIT) {
          withheld.chunks.push(chunk.data);
          withheldBytes += chunk.data.length;
        } else {
          withheld.dropped += chunk.data.length;
        }
        continue;
      }
      const texts = splitters[chunk.stream].push(chunk.data);
      if (texts.length > 0) await log.write(toLines(chunk.stream, texts));
    }
    const rest = [
      ...toLines('stdout', how.logStdout ? splitters.stdout.end() : []),
      ...toLines('stderr', splitters.stderr.end()),
    ];
    if (rest.length > 0) await log.write(rest);
    if (overflowed) this.log.info({ step: step.name, limit }, 'step output passed the limit');
    const output = how.capture && !overflowed ? Buffer.concat(captured) : undefined;
    return { ...(output ? { output } : {}), ...(withheld ? { withheld } : {}) };
  }

  /** Logs a secret step's held-back stderr, masked with the value it printed (whatever the outcome). */
  private async writeWithheld(withheld: Withheld, output: Buffer | undefined, log: StepLog): Promise<void> {
    // Warnings about short parts come from keepOutput, once, when the step succeeds.
    if (output) this.masker.add(output.toString('utf8'));
    const splitter = new LineSplitter(this.masker);
    const texts = withheld.chunks.flatMap((chunk) => splitter.push(chunk));
    texts.push(...splitter.end());
    if (withheld.dropped > 0)
      texts.push(`[dockercise: ${withheld.dropped} more bytes of this secret step's stderr were dropped]`);
    const ts = Date.now();
    if (texts.length > 0) await log.write(texts.map((text) => ({ ts, stream: 'stderr' as const, text })));
  }

  /** Keeps a finished step's output for the steps after it, and stores it unless it is (or holds) a secret. */
  private async keepOutput(step: PlanStep, output: Buffer): Promise<boolean> {
    this.outputs.set(step.name, output);
    if (step.secret) {
      const tooShort = this.masker.add(output.toString('utf8'));
      if (tooShort.length > 0) {
        this.log.warn(
          { step: step.name },
          `parts of a secret output are shorter than 3 characters and are not masked`,
        );
      }
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
    return this.steps.get(step)?.secret ?? false;
  }

  private image(name: string): Promise<ImageInfo> {
    let image = this.images.get(name);
    if (!image) {
      image = this.options.engine.ensureImage(name, this.options.pull ?? 'if-not-present');
      this.images.set(name, image);
    }
    return image;
  }

  /** The run's own network, made when its first step needs it. */
  private network(): Promise<string> {
    const name = `dockercise-${this.options.runId}`;
    this.runNetwork ??= this.options.engine
      .createNetwork(name, { [RUN_LABEL]: this.options.runId })
      .then(() => name);
    return this.runNetwork;
  }

  private volume(name: string, owner: string): Promise<void> {
    let volume = this.volumes.get(name);
    if (!volume) {
      volume = this.options.engine.createVolume(name, {
        [RUN_LABEL]: this.options.runId,
        [STEP_LABEL]: owner,
      });
      this.volumes.set(name, volume);
    }
    return volume;
  }

  private get outputLimit(): number {
    return this.options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT;
  }

  private async cleanUp(): Promise<void> {
    try {
      await this.options.engine.removeLabelled(RUN_LABEL, this.options.runId);
    } catch (error) {
      this.log.warn({ err: error }, 'could not remove the run’s containers and volumes');
    }
    await this.files
      .removeAll()
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not remove output files'));
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

const ENGINE_CHECK_MS = 3000;

/** Rejects `lost` with EngineUnavailableError once a ping fails that way; stop() ends the checks. */
function watchEngine(engine: ContainerEngine): { lost: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const lost = new Promise<never>((_, reject) => {
    const check = (): void => {
      engine.ping().then(
        () => {
          if (!stopped) timer = setTimeout(check, ENGINE_CHECK_MS);
        },
        (error: unknown) => {
          if (error instanceof EngineUnavailableError) reject(error);
          else if (!stopped) timer = setTimeout(check, ENGINE_CHECK_MS);
        },
      );
    };
    timer = setTimeout(check, ENGINE_CHECK_MS);
  });
  lost.catch(() => {});
  return {
    lost,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export function trimOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export type { RunStatus };
