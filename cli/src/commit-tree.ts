import { realpath } from 'node:fs/promises';
import { relative } from 'node:path';
import { archiveSource } from '@dockercise/agent/local';
import { isPipelineFile, type PipelineSource } from '@dockercise/shared/language';
import { gitLine, gitOutput } from './git.js';
import { borrowedGit, type RunTree } from './working-tree.js';

export type CommitTree =
  | { ok: true; top: string; commit: string; branch?: string; sources: PipelineSource[] }
  | { ok: false; message: string };

/**
 * `dockercise run --commit REF`: a commit instead of the working tree, as a push would bring it —
 * the pipeline files of the folder as that commit has them (its files are `commitWorkspace`).
 */
export async function commitTree(dir: string, ref: string): Promise<CommitTree> {
  const top = await gitLine(dir, ['rev-parse', '--show-toplevel']);
  if (!top) return { ok: false, message: `--commit needs a folder inside a git repository; ${dir} is not` };
  const commit = await gitLine(top, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]);
  if (!commit) return { ok: false, message: `no commit ${ref} in ${top}` };
  const below = relative(top, await realpath(dir))
    .split('\\')
    .join('/');
  const listed =
    (await gitOutput(top, ['ls-tree', '-r', '-z', '--name-only', commit, '--', below || '.'])) ?? '';
  const sources: PipelineSource[] = [];
  for (const path of listed.split('\0')) {
    if (!path || !isPipelineFile(path) || path.split('/').includes('.dockercise')) continue;
    const text = await gitOutput(top, ['show', `${commit}:${path}`]);
    if (text !== undefined) sources.push({ path: below ? path.slice(below.length + 1) : path, text });
  }
  if (sources.length === 0)
    return { ok: false, message: `commit ${ref} has no pipeline files under ${below || 'its top'}` };
  const isBranch = (await gitOutput(top, ['show-ref', '--verify', '-q', `refs/heads/${ref}`])) !== undefined;
  return { ok: true, top, commit, ...(isBranch ? { branch: ref } : {}), sources };
}

/** The commit's files in every workspace (`git archive`), after a `.git` that borrows the repository's. */
export async function commitWorkspace(top: string, commit: string): Promise<RunTree> {
  const borrowed = await borrowedGit(top, commit);
  return { workspace: archiveSource(top, commit, borrowed), commit, dispose: borrowed.dispose };
}
