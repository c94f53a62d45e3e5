import type { Plan, RunResult } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';
import { volumeName } from './container-spec.js';
import { volumesMounted } from './resume.js';

/**
 * Deploy what was tested: while a run waits at a gate, the workspaces its waiting steps will mount
 * stay on the engine, so approving runs only the gated steps, on the very files the tested steps
 * left, instead of rebuilding them first. Named by volume; the owners' steps are in the plan.
 */
export function workspacesAtGates(plan: Plan, result: RunResult, runId: string): Set<string> {
  if (result.status !== 'waiting-approval') return new Set();
  const waiting = new Set(result.steps.filter((s) => s.status === 'waiting-approval').map((s) => s.name));
  const owners = new Set(
    plan.steps.filter((s) => waiting.has(s.name)).flatMap((s) => [...volumesMounted(plan, s)]),
  );
  return new Set([...owners].map((owner) => volumeName({ runId, plan }, owner)));
}

/**
 * Of the workspaces an earlier attempt kept at its gates, the owners whose volumes are still on this
 * engine (another host, or a tidied disk, has none: their writers run again, as before).
 */
export async function keptWorkspaces(
  engine: ContainerEngine,
  plan: Plan,
  previous: RunResult,
  runId: string,
): Promise<Set<string>> {
  const kept = new Set<string>();
  for (const owner of plan.steps.map((s) => s.name)) {
    const volume = volumeName({ runId, plan }, owner);
    if (!workspacesAtGates(plan, previous, runId).has(volume)) continue;
    if (await engine.volumeExists(volume)) kept.add(owner);
  }
  return kept;
}
