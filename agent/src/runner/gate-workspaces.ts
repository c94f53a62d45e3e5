import { pipeline as pipe } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Logger, Plan, RunResult } from '@dockercise/shared';
import type { WorkspaceSnapshots } from '../backend/workspace-snapshots.js';
import type { ContainerEngine } from '../engine/engine.js';
import { checkedCacheArchive } from './cache-archive.js';
import { volumeName } from './container-spec.js';
import { volumesMounted } from './resume.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';

/** zlib's output chunks: 16 KiB by default, which costs a tenth of a restore's time in calls. */
const ZLIB_CHUNK = 1024 * 1024;

/** Whose run: where the snapshots of its workspaces go, when the agent has a bucket for them. */
export interface GateRun {
  runId: string;
  pipeline: string;
  snapshots?: WorkspaceSnapshots;
  log: Logger;
}

/**
 * Deploy what was tested: while a run waits at a gate, the workspaces its waiting steps will mount
 * stay on the engine, so approving runs only the gated steps, on the very files the tested steps
 * left, instead of rebuilding them first. By owner: the step whose workspace it is.
 */
export function ownersAtGates(plan: Plan, result: RunResult): Set<string> {
  if (result.status !== 'waiting-approval') return new Set();
  const waiting = new Set(result.steps.filter((s) => s.status === 'waiting-approval').map((s) => s.name));
  return new Set(plan.steps.filter((s) => waiting.has(s.name)).flatMap((s) => [...volumesMounted(plan, s)]));
}

/** The same, by volume name. */
export function workspacesAtGates(plan: Plan, result: RunResult, runId: string): Set<string> {
  return volumesOf(plan, runId, ownersAtGates(plan, result));
}

/** The workspace volumes of these owners. */
export function volumesOf(plan: Plan, runId: string, owners: Iterable<string>): Set<string> {
  return new Set([...owners].map((owner) => volumeName({ runId, plan }, owner)));
}

/** At an attempt's end: the volumes to keep for its gate (none unless it waits at one), saved too. */
export async function keepForGate(
  engine: ContainerEngine,
  plan: Plan,
  result: RunResult,
  run: GateRun,
): Promise<Set<string>> {
  await saveGateWorkspaces(engine, plan, result, run);
  return workspacesAtGates(plan, result, run.runId);
}

/**
 * With a bucket, the kept workspaces are also saved there, so an approval that another host takes
 * need not rebuild them. A workspace that cannot be saved (too large, the bucket refused) is only
 * on this engine; the log says so.
 */
async function saveGateWorkspaces(
  engine: ContainerEngine,
  plan: Plan,
  result: RunResult,
  run: GateRun,
): Promise<void> {
  const { snapshots, log } = run;
  if (!snapshots) return;
  for (const owner of ownersAtGates(plan, result)) {
    const image = imageOf(plan, owner);
    try {
      await engine.exportVolume(volumeName({ runId: run.runId, plan }, owner), image, async (tar) => {
        const gzip = createGzip({ level: 1, chunkSize: ZLIB_CHUNK });
        const piping = pipe(tar, gzip).catch((error: unknown) => gzip.destroy(error as Error));
        await snapshots.save(run.pipeline, run.runId, owner, gzip);
        await piping;
      });
    } catch (error) {
      log.warn(
        { err: error, owner },
        'could not save the workspace for the gate; an approval elsewhere rebuilds it',
      );
    }
  }
}

/**
 * Of the workspaces an earlier attempt kept at its gates, the owners now on this engine: there
 * already, or restored from the bucket's snapshot. Those the earlier attempt's host took with it
 * (and the bucket has not, or no longer) are not: their writers run again, as before.
 */
export async function keptWorkspaces(
  engine: ContainerEngine,
  plan: Plan,
  previous: RunResult,
  run: GateRun,
): Promise<Set<string>> {
  const kept = new Set<string>();
  for (const owner of ownersAtGates(plan, previous)) {
    const volume = volumeName({ runId: run.runId, plan }, owner);
    if (await engine.volumeExists(volume)) kept.add(owner);
    else if (await restore(engine, plan, owner, volume, run)) kept.add(owner);
  }
  return kept;
}

async function restore(
  engine: ContainerEngine,
  plan: Plan,
  owner: string,
  volume: string,
  run: GateRun,
): Promise<boolean> {
  const snapshot = await run.snapshots?.open(run.pipeline, run.runId, owner).catch((error: unknown) => {
    run.log.warn({ err: error, owner }, 'could not read the workspace saved for the gate');
    return undefined;
  });
  if (!snapshot || !run.snapshots) return false;
  const image = imageOf(plan, owner);
  try {
    await engine.ensureImage(image, 'if-not-present');
    await engine.createVolume(volume, { [RUN_LABEL]: run.runId, [STEP_LABEL]: owner });
    const gunzip = createGunzip({ chunkSize: ZLIB_CHUNK });
    const piping = pipe(snapshot, gunzip).catch((error: unknown) => gunzip.destroy(error as Error));
    await engine.importVolume(volume, image, checkedCacheArchive(gunzip, run.snapshots.maxBytes));
    await piping;
    run.log.info({ owner }, 'restored the workspace saved for the gate');
    return true;
  } catch (error) {
    run.log.warn(
      { err: error, owner },
      'could not restore the workspace saved for the gate; its writers run again',
    );
    await engine.removeVolume(volume).catch(() => {});
    return false;
  }
}

/** An image to carry the volume's archive: its owner step's, which the host that ran it had. */
function imageOf(plan: Plan, owner: string): string {
  return plan.steps.find((s) => s.name === owner)?.img ?? '';
}
