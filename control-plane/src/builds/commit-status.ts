import type { RunResult } from '@dockercise/shared';
import type { CommitStatus } from '../github/github.js';

export type StatusState = CommitStatus['state'];

/** The context every dockercise status uses: one per pipeline, and a repository has one pipeline. */
export const STATUS_CONTEXT = 'dockercise';

const FAILED = new Set(['failed', 'timed-out']);

/** What a commit's status says of a run as its result stands: the state, and a line a person reads. */
export function commitStatusOf(
  result: RunResult,
  invalidErrors?: readonly string[],
  held = false,
): { state: StatusState; description: string } {
  if (held)
    return {
      state: 'pending',
      description: "waiting for approval: a fork's pull request runs once the owner allows it",
    };
  if (invalidErrors)
    return {
      state: 'error',
      description: `invalid pipeline: ${firstLine(invalidErrors[0] ?? 'see the run')}`,
    };
  const steps = result.steps;
  const total = steps.length;
  switch (result.status) {
    case 'pending':
      return { state: 'pending', description: 'queued: waiting for an agent' };
    case 'running': {
      const done = steps.filter((s) => s.endedAt !== undefined).length;
      return { state: 'pending', description: `running: ${done} of ${total} steps done` };
    }
    case 'waiting-approval': {
      const gates = result.gates
        .filter((g) => g.status === 'waiting')
        .map((g) => g.name.replace(/\.dockercise\.ya?ml$/, ''));
      return { state: 'pending', description: `waiting for approval: ${gates.join(', ') || 'a gate'}` };
    }
    case 'succeeded': {
      const skipped = steps.filter((s) => s.status === 'skipped').length;
      const allowed = steps.filter((s) => s.allowedFailure).length;
      const passed = total - skipped - allowed;
      const extras = [
        skipped > 0 ? `${skipped} skipped` : '',
        allowed > 0 ? `${allowed} allowed to fail` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return {
        state: 'success',
        description: `${passed} ${passed === 1 ? 'step' : 'steps'} passed${extras ? `, ${extras}` : ''}`,
      };
    }
    case 'failed': {
      const failedSteps = steps.filter((s) => FAILED.has(s.status) && !s.allowedFailure);
      const failed = failedSteps.map((s) => s.name);
      if (failed.length === 0)
        return { state: 'failure', description: firstLine(result.error ?? 'the run failed') };
      // The tests that failed, by name, where the steps' reports say.
      const tests = failedSteps.flatMap((s) => s.tests?.failures.map((f) => f.name) ?? []);
      const count = failedSteps.reduce((n, s) => n + (s.tests?.failed ?? 0), 0);
      const testPart =
        count > 0
          ? `; ${count} ${count === 1 ? 'test' : 'tests'} failed: ${tests.slice(0, 3).join(', ')}${count > 3 ? ', …' : ''}`
          : '';
      return {
        state: 'failure',
        description: `${failed.length} of ${total} steps failed: ${failed.join(', ')}${testPart}`,
      };
    }
    case 'cancelled':
      return { state: 'error', description: 'cancelled' };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
