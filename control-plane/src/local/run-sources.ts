import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  borrowGit,
  cloneOrigin,
  folderSource,
  gitObjectsDir,
  MIRROR_MOUNT_DIR,
  type WorkspaceSource,
} from '@dockercise/agent';
import { gitSnapshot } from './git.js';

/**
 * Each local run's source, taken when it is triggered (the repository may change before it runs):
 * `<dir>/<run-id>/` holds the commit's files and a `.git` that borrows the repository's own objects,
 * as a hosted workspace borrows the host's mirror; `<dir>/<run-id>.objects` names the repository's
 * git folder, which the run's steps get read-only where that `.git` looks for it.
 */
export class RunSources {
  constructor(private readonly dir: string) {}

  async take(runId: string, root: string, commit: string): Promise<void> {
    const files = join(this.dir, runId);
    await gitSnapshot(root, commit, files);
    const objects = await gitObjectsDir(root);
    const borrowed = await borrowGit(join(this.dir, '.scratch'), objects, commit, await cloneOrigin(root));
    await rename(borrowed.gitDir, join(files, '.git'));
    await writeFile(`${files}.objects`, objects);
  }

  sourceFor(runId: string): WorkspaceSource | undefined {
    const files = join(this.dir, runId);
    if (!existsSync(files)) return undefined;
    const objects = existsSync(`${files}.objects`) ? readFileSync(`${files}.objects`, 'utf8') : undefined;
    return folderSource(files, [], objects ? [{ source: objects, target: MIRROR_MOUNT_DIR }] : undefined);
  }
}
