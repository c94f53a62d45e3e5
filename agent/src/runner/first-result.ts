import { initialRunResult, type RunResult, type StepResult } from '@dockercise/shared';
import type { RunOptions } from './run-options.js';

/**
 * An attempt's result as it begins: running, its steps pending, waiting at their gates, skipped by
 * their filters (saying which), or kept from the attempt it resumes. A resume goes on with the
 * run's clock; a re-run (`previousAttempts`) starts its own.
 */
export function firstResult(
  options: Pick<
    RunOptions,
    'runId' | 'pipeline' | 'plan' | 'resume' | 'previousAttempts' | 'source' | 'attempt'
  >,
  isApproved: (gate: string) => boolean,
  filtered: ReadonlyMap<string, string>,
): { result: RunResult; steps: StepResult[] } {
  const { resume } = options;
  const initial = initialRunResult({
    runId: options.runId,
    pipeline: options.pipeline,
    plan: options.plan,
    startedAt:
      (options.previousAttempts ? undefined : resume?.previous.startedAt) ?? new Date().toISOString(),
    isApproved,
    ...(options.source ? { source: options.source } : {}),
  });
  const result: RunResult = {
    ...initial,
    status: 'running',
    attempt: options.attempt ?? 1,
    ...(options.previousAttempts ? { previousAttempts: options.previousAttempts } : {}),
    steps: [],
  };
  const earlier = new Map((resume?.previous.steps ?? []).map((s) => [s.name, s]));
  const steps = initial.steps.map((step): StepResult => {
    const kept = earlier.get(step.name);
    const why = filtered.get(step.name);
    if (why) return { ...step, status: 'skipped', skipReason: 'filtered', error: `skipped: ${why}` };
    return kept && resume?.carried.has(step.name) ? kept : step;
  });
  return { result, steps };
}
