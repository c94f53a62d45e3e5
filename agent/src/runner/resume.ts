import { type Plan, type RunResult, type StepStatus, workspaceOwner } from '@dockercise/shared';
import type { ResultStore } from '../store/result-store.js';

/** What a repeated delivery of a run keeps from the attempt before it. */
export interface Resume {
  previous: RunResult;
  /** Steps that succeeded, with their outputs: not run again. */
  carried: Map<string, StepStatus>;
  /** Steps whose `run` succeeded but whose `done` did not finish: only `done` runs again. */
  onlyDone: Set<string>;
  outputs: Map<string, Buffer>;
}

/**
 * Works out what an earlier attempt at a run already did. A step is kept only when its output can
 * be read back: secret outputs are never stored, so secret steps run again. Volumes do not outlive
 * an attempt, so a kept step whose workspace a step still to run would mount runs again too.
 */
export async function planResume(
  plan: Plan,
  previous: RunResult,
  store: ResultStore,
  isApproved: (gate: string) => boolean,
): Promise<Resume> {
  const carried = new Map<string, StepStatus>();
  const onlyDone = new Set<string>();
  const outputs = new Map<string, Buffer>();
  const before = new Map(previous.steps.map((s) => [s.name, s]));
  for (const step of plan.steps) {
    const earlier = before.get(step.name);
    if (!earlier || step.secret || !earlier.output) continue;
    const unfinishedDone =
      earlier.phase === 'done' && (earlier.status === 'running' || earlier.status === 'cancelled');
    if (earlier.status !== 'succeeded' && !unfinishedDone) continue;
    const output = await store.loadOutput(step.name);
    if (!output) continue;
    outputs.set(step.name, Buffer.from(output));
    if (earlier.status === 'succeeded') carried.set(step.name, 'succeeded');
    else onlyDone.add(step.name);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const step of plan.steps) {
      if (carried.has(step.name) || (step.gate !== undefined && !isApproved(step.gate))) continue;
      for (const mounted of [step.name, ...step.vol]) {
        const owner = workspaceOwner(plan, mounted);
        if (owner !== step.name && carried.delete(owner)) {
          outputs.delete(owner);
          changed = true;
        }
      }
    }
  }
  return { previous, carried, onlyDone, outputs };
}
