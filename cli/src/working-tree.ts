import { filesSource, folderSource, type WorkspaceSource } from '@dockercise/agent/local';
import { gitLine, gitOutput } from './git.js';

/** Where `dockercise run` keeps its results, beside the pipeline files: never in a workspace. */
const RESULTS_DIR = '.dockercise';

/**
 * What `dockercise run` puts in the steps' workspaces: the working tree as it is — tracked files
 * and the untracked ones git does not ignore, uncommitted changes included, what a developer wants
 * to test before committing (as act does) — from the top of the repository; a folder outside git:
 * its files. And the commit it stands on, when there is one.
 */
export async function workingTree(dir: string): Promise<{ workspace: WorkspaceSource; commit?: string }> {
  const top = await gitLine(dir, ['rev-parse', '--show-toplevel']);
  if (!top) return { workspace: folderSource(dir, [RESULTS_DIR]) };
  const listed = await gitOutput(top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  // A conflicted file is listed once per stage; results folders are left out even if committed.
  const files = [...new Set((listed ?? '').split('\0'))].filter(
    (f) => f !== '' && !f.split('/').includes(RESULTS_DIR),
  );
  const commit = await gitLine(top, ['rev-parse', '-q', '--verify', 'HEAD']);
  return { workspace: filesSource(top, files), ...(commit ? { commit } : {}) };
}
