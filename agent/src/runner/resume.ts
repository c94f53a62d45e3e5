import {
  HOST_LOST,
  type Plan,
  type PlanStep,
  type RunResult,
  type StepStatus,
  workspaceOwner,
} from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';

/** What a repeated delivery of a run keeps from the attempt before it. */
export interface Resume {
  previous: RunResult;
  /** Steps that succeeded, with their outputs: not run again. */
  carried: Map<string, StepStatus>;
  /** Steps whose `run` succeeded but whose `done` did not finish: only `done` runs again. */
  onlyDone: Set<string>;
  outputs: Map<string, Buffer>;
  /** Steps that were running when their host was lost, with how often that has happened to each. */
  hostLost: Map<string, number>;
  /** Of those, the ones lost more often than their `retry` allows: they fail instead of running. */
  givenUp: Set<string>;
  /**
   * Orderings that hold only in this attempt: a step waits for every step re-run to rebuild a
   * workspace it mounts, as it did in the uninterrupted run (where those steps had long finished).
   */
  extraNeeds: Map<string, Set<string>>;
  /** Workspaces kept on the engine while the run waited at its gate (gate-workspaces.ts), by owner. */
  kept: ReadonlySet<string>;
}

/**
 * Works out what an earlier attempt at a run already did. A step is kept only when its output can
 * be read back: secret outputs are never stored, so secret steps run again.
 *
 * Volumes do not outlive an attempt, so a step that runs in this attempt would find the workspaces
 * it mounts empty. Every kept step that wrote into one of those volumes (it mounted it, as its own
 * `/workspace` or under `/vol`) runs again, and so, in turn, do the kept writers of the volumes
 * those re-runs mount. The steps that run for the first time wait for those re-runs, so each sees
 * the workspace it would have seen had the run never stopped. A workspace kept on the engine
 * while the run waited at its gate (`kept`, by owner) is not rebuilt: its writers stay done.
 */
export async function planResume(
  plan: Plan,
  previous: RunResult,
  store: ResultStore,
  isApproved: (gate: string) => boolean,
  kept: ReadonlySet<string> = new Set(),
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

  const mounts = new Map(plan.steps.map((s) => [s.name, volumesMounted(plan, s)]));
  const runs = (step: PlanStep): boolean =>
    !carried.has(step.name) && (step.gate === undefined || isApproved(step.gate));
  const firstRuns = plan.steps.filter(runs).map((s) => s.name);
  const rerun = new Set<string>();
  const queue = [...firstRuns];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const volume of mounts.get(name) ?? []) {
      if (kept.has(volume)) continue;
      for (const writer of plan.steps) {
        if (!carried.has(writer.name) || !mounts.get(writer.name)?.has(volume)) continue;
        carried.delete(writer.name);
        outputs.delete(writer.name);
        rerun.add(writer.name);
        queue.push(writer.name);
      }
    }
  }

  // A re-run that itself needs the step (a secret step runs again, and a writer may use it) keeps
  // its place after it: waiting the other way round would never end.
  const needs = new Map(plan.steps.map((s) => [s.name, s.needs]));
  const extraNeeds = new Map<string, Set<string>>();
  for (const name of firstRuns) {
    const volumes = mounts.get(name) ?? new Set<string>();
    const writers = [...rerun].filter(
      (w) => [...(mounts.get(w) ?? [])].some((v) => volumes.has(v)) && !reaches(needs, w, name),
    );
    if (writers.length > 0) extraNeeds.set(name, new Set(writers));
  }
  const { hostLost, givenUp } = lostHosts(plan, previous, carried, onlyDone);
  return { previous, carried, onlyDone, outputs, extraNeeds, hostLost, givenUp, kept };
}

/**
 * A step still `running` in the stored result was cut short by its host going away (a graceful
 * shutdown hands steps back as pending instead). It runs again once; with `retry: { on:
 * [host-lost] }` as often as its count allows. Past that it fails, so a step that takes its host
 * down every time cannot keep a run going until the queue gives up on the job.
 */
function lostHosts(
  plan: Plan,
  previous: RunResult,
  carried: ReadonlyMap<string, StepStatus>,
  onlyDone: ReadonlySet<string>,
): { hostLost: Map<string, number>; givenUp: Set<string> } {
  const hostLost = new Map<string, number>();
  const givenUp = new Set<string>();
  const before = new Map(previous.steps.map((s) => [s.name, s]));
  for (const step of plan.steps) {
    const earlier = before.get(step.name);
    if (earlier?.status !== 'running' || carried.has(step.name) || onlyDone.has(step.name)) continue;
    const times = (earlier.hostLost ?? 0) + 1;
    hostLost.set(step.name, times);
    const allowed = step.retry?.on?.includes(HOST_LOST) ? step.retry.count : 1;
    if (times > allowed) givenUp.add(step.name);
  }
  return { hostLost, givenUp };
}

/** The workspace volumes a step mounts, each named by the step that owns it. */
export function volumesMounted(plan: Plan, step: PlanStep): Set<string> {
  return new Set([step.name, ...step.vol].map((name) => workspaceOwner(plan, name)));
}

/** Whether `from` needs `to`, directly or through other steps. */
function reaches(needs: ReadonlyMap<string, readonly string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    for (const need of needs.get(name) ?? []) {
      if (need === to) return true;
      if (!seen.has(need)) {
        seen.add(need);
        stack.push(need);
      }
    }
  }
  return false;
}
