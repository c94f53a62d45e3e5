import { formatDuration, type PlanStep, type StepStatus } from '@dockercise/shared';
import type { ContainerOutcome } from './container-run.js';

export interface StepOutcome {
  status: StepStatus;
  exitCode?: number | null;
  error?: string;
}

/** What a container stopped by dockercise (not by its own exit) makes of the step; undefined otherwise. */
export function stoppedOutcome(
  outcome: ContainerOutcome<unknown>,
  step: PlanStep,
  outputLimit: number,
): StepOutcome | undefined {
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
        error: `stdout passed the ${formatBytes(outputLimit)} output limit; write large data to /workspace and share it with vol`,
      };
    default:
      return undefined;
  }
}

/** Whether `retry` asks for another attempt after this outcome: never after a cancel. */
export function retryable(step: PlanStep, outcome: StepOutcome): boolean {
  if (outcome.status !== 'failed' && outcome.status !== 'timed-out') return false;
  const on = step.retry?.on;
  if (!on) return true;
  return typeof outcome.exitCode === 'number' && outcome.status === 'failed' && on.includes(outcome.exitCode);
}

export function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
