import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What git said when it refused: the user's mistake (not a repository, no commit yet). */
export class GitError extends Error {
  override readonly name = 'GitError';
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], {
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new GitError(stderr || (error as Error).message, { cause: error });
  }
}

/** The commit HEAD names in the repository holding `dir`. Uncommitted changes are not part of it. */
export interface GitHead {
  root: string;
  commit: string;
  branch?: string;
  /** The commit's subject line. */
  message?: string;
}

export async function gitHead(dir: string): Promise<GitHead> {
  const root = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  let commit: string;
  try {
    commit = (await git(root, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  } catch (error) {
    throw new GitError(`${root} has no commit yet: commit the pipeline files first`, { cause: error });
  }
  // Detached HEAD has no branch; that is fine.
  const branch = (await git(root, ['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim();
  const message = (await git(root, ['log', '-1', '--format=%s', commit]).catch(() => ''))
    .trim()
    .slice(0, 200);
  return { root, commit, ...(branch ? { branch } : {}), ...(message ? { message } : {}) };
}

/** Every file at the commit, with its size. */
export async function gitFileSizes(
  root: string,
  commit: string,
): Promise<Array<{ path: string; bytes: number }>> {
  // Each entry: "<mode> <type> <object> <size>\t<path>", NUL-terminated; a submodule's size is "-".
  const entries = (await git(root, ['ls-tree', '-r', '-l', '-z', commit])).split('\0').filter(Boolean);
  return entries.flatMap((entry) => {
    const tab = entry.indexOf('\t');
    const [, type, , size] = entry.slice(0, tab).split(/\s+/);
    return type === 'blob' ? [{ path: entry.slice(tab + 1), bytes: Number(size) }] : [];
  });
}

export async function gitShow(root: string, commit: string, path: string): Promise<string> {
  return git(root, ['show', `${commit}:${path}`]);
}

/** The tree at the commit, as files under `dest` (what a clone would check out, without .git). */
export async function gitSnapshot(root: string, commit: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const tar = join(dest, '..', `${commit}.${process.pid}.tar`);
  try {
    await git(root, ['archive', '--format=tar', '-o', tar, commit]);
    await run('tar', ['-xf', tar, '-C', dest]);
  } finally {
    await rm(tar, { force: true });
  }
}
