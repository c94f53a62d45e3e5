import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

/** git's stdout in `dir`, or undefined when it fails (not a repository, no such ref, no git). */
export async function gitOutput(dir: string, args: readonly string[]): Promise<string | undefined> {
  const out = await promisify(execFile)('git', ['-C', dir, ...args], {
    timeout: 30_000,
    maxBuffer: 256 * 1024 * 1024,
  }).catch(() => undefined);
  return out?.stdout;
}

/** git's one line of answer, trimmed; undefined when it fails or says nothing. */
export async function gitLine(dir: string, args: readonly string[]): Promise<string | undefined> {
  return (await gitOutput(dir, args))?.trim() || undefined;
}

/** The folder's current git branch, when it is in a repository on one. */
export function gitBranch(dir: string): Promise<string | undefined> {
  return gitLine(dir, ['symbolic-ref', '--short', '-q', 'HEAD']);
}

/** The branch `origin/HEAD` names, whose caches a branch without its own reads. */
export async function gitDefaultBranch(dir: string): Promise<string | undefined> {
  const head = await gitLine(dir, ['symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD']);
  return head?.replace(/^origin\//, '');
}

/** Who a folder's caches belong to: its repository's `origin` URL, else the folder's real path. */
export async function repositoryIdentity(dir: string): Promise<string> {
  return (await gitLine(dir, ['config', '--get', 'remote.origin.url'])) ?? (await realpath(dir));
}
