import type { Logger } from '@dockercise/shared';
import type { ContainerEngine, ContainerHandle, OutputChunk } from '../engine/engine.js';
import { EngineUnavailableError } from '../engine/engine.js';

/** After a container exits, how long its output stream may take to end before we stop waiting. */
const STREAM_DRAIN_MS = 5000;
/** How often the engine is pinged while a container runs. */
const ENGINE_CHECK_MS = 3000;

export type Stopped = 'timeout' | 'cancel' | 'output-limit';

/** How one container ended, and what its output pump made of its streams. */
export interface ContainerOutcome<P> {
  exitCode?: number;
  stopped?: Stopped;
  /** What the pump returned; absent when the stream did not end in time. */
  pumped?: P;
}

export interface ContainerControl {
  /** Past it the container is killed and the outcome says `timeout`. */
  deadline: number;
  /** Stops the container with `graceSeconds`, then kills it. */
  cancel: AbortSignal;
  /** Kills the container at once. */
  kill: AbortSignal;
  graceSeconds: number;
  log: Logger;
  /** For the log's context. */
  step: string;
}

/** Where a container comes from and goes: made (or made earlier, see prepared-steps.ts), released to be removed. */
export interface ContainerSource {
  make(): Promise<ContainerHandle>;
  start(handle: ContainerHandle): Promise<AsyncIterable<OutputChunk>>;
  /** Called once the container has ended, whatever happened; the removal need not be awaited. */
  release(handle: ContainerHandle): void;
}

/**
 * One container from setup to release: started attached, watched (its deadline, a cancel, a kill,
 * the engine going away), its streams handed to `pump`, which may stop it (`output-limit`), and
 * released whatever happens.
 */
export async function runContainer<P>(
  engine: ContainerEngine,
  source: ContainerSource,
  control: ContainerControl,
  pump: (stream: AsyncIterable<OutputChunk>, stopForOutput: () => void) => Promise<P>,
): Promise<ContainerOutcome<P>> {
  if (control.cancel.aborted) return { stopped: 'cancel' };
  const remaining = control.deadline - Date.now();
  if (remaining <= 0) return { stopped: 'timeout' };

  const context = { step: control.step };
  const handle = await source.make();
  let stopped: Stopped | undefined;
  const stop = (reason: Stopped, graceSeconds: number): void => {
    stopped ??= reason;
    engine.stop(handle, graceSeconds).catch((error: unknown) => {
      control.log.warn({ err: error, ...context }, 'could not stop the container');
    });
  };
  const timer = setTimeout(() => stop('timeout', 0), remaining);
  const onCancel = (): void => stop('cancel', control.graceSeconds);
  const onKill = (): void => stop('cancel', 0);
  control.cancel.addEventListener('abort', onCancel);
  control.kill.addEventListener('abort', onKill);
  try {
    const stream = await source.start(handle);
    if (control.kill.aborted) onKill();
    else if (control.cancel.aborted) onCancel();
    const exit = engine.wait(handle);
    const pumping = pump(stream, () => stop('output-limit', 0));
    pumping.catch(() => {});
    // A wait on a dead daemon's connection can hang without an error: check the engine meanwhile.
    const watch = watchEngine(engine);
    let exitCode: number;
    try {
      exitCode = await Promise.race([exit, watch.lost]);
    } finally {
      watch.stop();
    }
    const drained = await Promise.race([pumping.then(() => true), delay(STREAM_DRAIN_MS).then(() => false)]);
    if (!drained) control.log.warn(context, 'the output stream did not end after the container exited');
    return {
      exitCode,
      ...(drained ? { pumped: await pumping } : {}),
      ...(stopped ? { stopped } : {}),
    };
  } finally {
    clearTimeout(timer);
    control.cancel.removeEventListener('abort', onCancel);
    control.kill.removeEventListener('abort', onKill);
    source.release(handle);
  }
}

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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
