import type { Plan, RunResult } from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';
import type { ContainerEngine } from '../engine/engine.js';
import { type GateRun, keptWorkspaces, workspacesAtGates } from '../runner/gate-workspaces.js';
import { planResume, type Resume } from '../runner/resume.js';
import { RUN_LABEL } from '../runner/run-options.js';

/**
 * A delivery of a run that an earlier attempt began (a redelivery, an approval): what that attempt
 * left on the engine goes — but the workspaces it kept at its gate, which this approval uses — and
 * the resume says what it already did. Without an earlier attempt (or for a re-run of everything),
 * only the sweep.
 */
export async function goOnFrom(
  earlier: RunResult | undefined,
  on: {
    engine: ContainerEngine;
    plan: Plan;
    store: ResultStore;
    approvedGates: readonly string[];
    run: GateRun;
  },
): Promise<Resume | undefined> {
  const { engine, plan, run } = on;
  const atGate = earlier ? workspacesAtGates(plan, earlier, run.runId) : new Set<string>();
  const removed = await engine.removeLabelled(RUN_LABEL, run.runId, atGate);
  if (removed.containers + removed.volumes > 0)
    run.log.info({ runId: run.runId, ...removed }, 'removed what an earlier attempt left');
  if (!earlier) return undefined;
  const approved = new Set(on.approvedGates);
  const kept = await keptWorkspaces(engine, plan, earlier, run);
  return planResume(plan, earlier, on.store, (gate) => approved.has(gate), kept);
}
