import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { git } from './git.js';

/** Where a step finds the repository its checkout borrows objects from (read-only). */
export const MIRROR_MOUNT_DIR = '/dockercise/mirror';

/**
 * A workspace's `.git` that holds no objects of its own: it borrows those of a repository on this
 * machine — the host's bare mirror, or the developer's own clone for `dockercise run` and the local
 * server — which every step of the run gets read-only at `MIRROR_MOUNT_DIR`, the path its
 * alternates name. So `git log`, `git diff` and `git describe` work in a step in every mode, and no
 * mode copies history.
 */
export interface BorrowedGit {
  /** The small `.git` on this machine's disk, packed into each workspace as `.git/`. */
  gitDir: string;
  mount: { source: string; target: string };
  dispose(): Promise<void>;
}

/**
 * The `.git` for `commit` of the repository whose git folder is `repositoryGitDir` (a bare
 * repository, or a clone's `.git`): HEAD detached at the commit, its index (so a step's `git
 * status` shows what the workspace holds beyond the commit, as a working tree's uncommitted
 * changes), and `origin` when the run has one. Made under `scratch`.
 */
export async function borrowGit(
  scratch: string,
  repositoryGitDir: string,
  commit: string,
  origin?: string,
): Promise<BorrowedGit> {
  await mkdir(scratch, { recursive: true });
  const gitDir = await mkdtemp(join(scratch, 'run-'));
  const dispose = () => rm(gitDir, { recursive: true, force: true });
  try {
    for (const dir of ['refs/heads', 'refs/tags', 'objects/info'])
      await mkdir(join(gitDir, dir), { recursive: true });
    await writeFile(join(gitDir, 'HEAD'), `${commit}\n`);
    // The origin is the job's (checked against git@host:owner/repo.git) or the clone's own, which
    // git wrote to its config itself: nothing in it can break the file.
    const remote = origin
      ? `[remote "origin"]\n\turl = ${origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`
      : '';
    await writeFile(
      join(gitDir, 'config'),
      `[core]\n\trepositoryformatversion = 0\n\tbare = false\n${remote}`,
    );
    // The index, without writing the files anywhere: a step's first `git status` fills in their stat.
    await git(['read-tree', commit], {
      GIT_DIR: gitDir,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: join(repositoryGitDir, 'objects'),
    });
    await writeFile(join(gitDir, 'objects', 'info', 'alternates'), `${MIRROR_MOUNT_DIR}/objects\n`);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { gitDir, mount: { source: repositoryGitDir, target: MIRROR_MOUNT_DIR }, dispose };
}

/** The git folder holding a clone's objects (`.git`, or the main one of a worktree), absolute. */
export async function gitObjectsDir(worktree: string): Promise<string> {
  const dir = (await git(['-C', worktree, 'rev-parse', '--git-common-dir'])).trim();
  return isAbsolute(dir) ? dir : join(worktree, dir);
}

/** A clone's `origin` URL, for its borrowed `.git`; none when it has no origin. */
export async function cloneOrigin(worktree: string): Promise<string | undefined> {
  return git(['-C', worktree, 'config', '--get', 'remote.origin.url']).then(
    (url) => url.trim() || undefined,
    () => undefined,
  );
}
