import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerEngine, RUN_LABEL } from '@dockercise/agent/local';

/** How long a run's workspaces wait at its gate, as a hosted run's snapshots do in the bucket. */
export const GATE_KEEP_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Left in a run's folder once its workspaces are gone, so later runs do not look again. */
const REMOVED_MARKER = 'gate-workspaces-removed';

/**
 * The workspaces of this folder's runs that have waited at a gate past `GATE_KEEP_DAYS`: removed
 * from the engine, as the stack expires a hosted run's snapshots. Such a run can still be resumed;
 * it then runs again what wrote into them. Only runs whose record has not changed in that time are
 * read, so a folder of many runs costs a stat each.
 */
export async function removeStaleGateWorkspaces(
  engine: ContainerEngine,
  resultsDir: string,
  now = Date.now(),
): Promise<string[]> {
  const runsDir = join(resultsDir, 'runs');
  const runs = await readdir(runsDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const runId of runs) {
    const record = join(runsDir, runId, 'result.json');
    const changed = await stat(record).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (changed === undefined || now - changed < GATE_KEEP_DAYS * DAY_MS) continue;
    const marker = join(runsDir, runId, REMOVED_MARKER);
    if (
      await stat(marker).then(
        () => true,
        () => false,
      )
    )
      continue;
    const status = await readFile(record, 'utf8').then(
      (text) => (JSON.parse(text) as { status?: string }).status,
      () => undefined,
    );
    if (status !== 'waiting-approval') continue;
    await engine.removeLabelled(RUN_LABEL, runId, new Set());
    await writeFile(marker, `${new Date(now).toISOString()}\n`);
    removed.push(runId);
  }
  return removed;
}
