import type { Logger } from '@dockercise/shared';

/** The control plane's periodic work, apart from its requests: the reconciler and the status reporter. */
export interface BackgroundParts {
  reconciler: { pass(): Promise<void> };
  statuses: { pass(): Promise<void> };
  logger: Logger;
  /** The reconciler's period; the reporter runs every second. */
  reconcileEveryMs?: number;
}

/**
 * Runs the passes on their timers, never two of one kind at once, and stops them on `stop()`
 * (which resolves when the pass in progress has ended). A pass that fails is logged; the next one
 * tries again.
 */
export function startBackground(parts: BackgroundParts): { stop(): Promise<void>; nudge(): void } {
  const { logger } = parts;
  const loops = [
    loop('reconciler pass', parts.reconcileEveryMs ?? 5000, () => parts.reconciler.pass(), logger),
    loop('status pass', 1000, () => parts.statuses.pass(), logger),
  ];
  return {
    stop: async () => {
      await Promise.all(loops.map((l) => l.stop()));
    },
    nudge: () => loops[0]?.now(),
  };
}

function loop(what: string, everyMs: number, pass: () => Promise<void>, logger: Logger) {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = (): void => {
    if (running || stopped) return;
    running = pass()
      .catch((error: unknown) => logger.error({ err: error }, `${what} failed`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, everyMs);
  run();
  return {
    now: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
