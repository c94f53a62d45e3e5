import { FINISHED_RUN_STATUSES, type RunView } from '@dockercise/shared';
import type { ResultsApi, RunRef } from '../api/client.js';
import type { Polled } from '../api/poll.js';

type Notice = { show(text: string, stillTrue: (current: RunView) => boolean): void };

/**
 * What a person may do to a run — approve a gate, cancel, re-run, let a fork's pull request run —
 * each an action for a confirm button (resolving with what happened) and what to say until the run
 * shows it took effect.
 */
export function createRunActions(api: ResultsApi, ref: RunRef, run: Polled<RunView>, notice: Notice) {
  const after = async <T>(action: Promise<T>): Promise<T> => {
    const done = await action;
    run.refresh();
    return done;
  };
  // True while the run goes on: not once it has ended, nor once it waits at a gate again.
  const approvalHolds = (current: RunView): boolean =>
    !FINISHED_RUN_STATUSES.has(current.status) &&
    !(current.status === 'waiting-approval' && current.gates.some((g) => g.status === 'waiting'));
  const untilItEnds = (message: string): void =>
    notice.show(message, (current) => !FINISHED_RUN_STATUSES.has(current.status));
  return {
    approve: async (gate: string): Promise<string> => {
      const approval = await after(api.approve(ref, gate));
      return `${gate} approved by ${approval.approvedBy}; the run goes on.`;
    },
    approved: (message: string): void => notice.show(message, approvalHolds),
    cancel: async (): Promise<string> => {
      await after(api.cancel(ref));
      return 'Cancel requested: running steps are being stopped.';
    },
    rerun: async (steps: 'failed' | 'all'): Promise<string> => {
      const attempt = await after(api.rerun(ref, steps));
      return `Attempt ${attempt} asked for: ${steps === 'all' ? 'every step runs again' : 'what did not succeed runs again'}.`;
    },
    release: async (): Promise<string> => {
      await after(api.release(ref));
      return 'Allowed: the run is on its way to an agent.';
    },
    /** After a cancel, a re-run or a release: said until the run ends. */
    untilItEnds,
  };
}
