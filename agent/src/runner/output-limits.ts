import type { Plan, PlanStep } from '@dockercise/shared';
import type { LogLine } from '../logs/log-sink.js';
import { DEFAULT_OUTPUT_LIMIT } from './run-options.js';
import { formatBytes } from './step-outcome.js';

/**
 * How much of each step's stdout is kept as its output, and what passing it does. A log is not an
 * output: only an output that a step reads (or a secret's value, which must be whole to be masked)
 * fails its step past the limit; any other is cut there, its log keeping every line.
 */
export class OutputLimits {
  private readonly read: ReadonlySet<string>;

  constructor(
    plan: Plan,
    private readonly runLimit: number | undefined,
  ) {
    this.read = outputsRead(plan);
  }

  /** The step's own limit, else the run's (the agent's setting, or `dockercise run --output-limit`). */
  of(step: PlanStep): number {
    return step.outputLimit ?? this.runLimit ?? DEFAULT_OUTPUT_LIMIT;
  }

  overflow(step: PlanStep): 'stop' | 'cut' {
    return step.secret || this.read.has(step.name) ? 'stop' : 'cut';
  }
}

/** The line a cut output leaves in its step's log. */
export function cutNote(limit: number): LogLine {
  return {
    ts: Date.now(),
    stream: 'stderr',
    text: `[dockercise: stdout passed the ${formatBytes(limit)} output limit; no step reads it, so the stored output is its first ${formatBytes(limit)} and this log has every line]`,
  };
}

/** The steps whose output some step reads: `{step}` in a command, a variable or a cache key. */
function outputsRead(plan: Plan): Set<string> {
  const read = new Set<string>();
  for (const step of plan.steps) {
    const templates = [
      step.run,
      step.done ?? [],
      ...step.env.map((v) => v.value),
      ...(step.cache ?? []).map((c) => c.key),
    ];
    for (const template of templates)
      for (const part of template) if (typeof part !== 'string') read.add(part.ref);
  }
  return read;
}
