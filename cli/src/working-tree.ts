import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BorrowedGit,
  borrowGit,
  cloneOrigin,
  filesSource,
  folderSource,
  gitObjectsDir,
  type WorkspaceSource,
} from '@dockercise/agent/local';
import { gitLine, gitOutput } from './git.js';

/** What a run's workspaces start with, and what to remove once it has ended. */
export interface RunTree {
  workspace: WorkspaceSource;
  commit?: string;
  dispose(): Promise<void>;
}

/** Where `dockercise run` keeps its results, beside the pipeline files: never in a workspace. */
const RESULTS_DIR = '.dockercise';

/**
 * What `dockercise run` puts in the steps' workspaces: the working tree as it is — tracked files
 * and the untracked ones git does not ignore, uncommitted changes included, what a developer wants
 * to test before committing (as act does) — from the top of the repository; a folder outside git:
 * its files. And the commit it stands on, when there is one.
 */
export async function workingTree(dir: string): Promise<RunTree> {
  const top = await gitLine(dir, ['rev-parse', '--show-toplevel']);
  if (!top) return { workspace: folderSource(dir, [RESULTS_DIR]), dispose: async () => {} };
  const listed = await gitOutput(top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  // A conflicted file is listed once per stage; results folders are left out even if committed.
  const files = [...new Set((listed ?? '').split('\0'))].filter(
    (f) => f !== '' && !f.split('/').includes(RESULTS_DIR),
  );
  const commit = await gitLine(top, ['rev-parse', '-q', '--verify', 'HEAD']);
  if (!commit) return { workspace: filesSource(top, files), dispose: async () => {} };
  // Its `.git` holds the commit as HEAD: what the working tree changes shows in a step's `git status`.
  const borrowed = await borrowedGit(top, commit);
  return { workspace: filesSource(top, files, borrowed), commit, dispose: borrowed.dispose };
}

/**
 * A workspace's `.git` at `commit` that borrows the repository's own objects, as a hosted run's
 * borrows the host's mirror: history in a step without copying it.
 */
export async function borrowedGit(top: string, commit: string): Promise<BorrowedGit> {
  return borrowGit(
    join(tmpdir(), 'dockercise-git'),
    await gitObjectsDir(top),
    commit,
    await cloneOrigin(top),
  );
}
