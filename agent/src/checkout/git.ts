import { execFile } from 'node:child_process';

/** A git command failed: what it was, and what git said. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

/** Runs git with these variables, and its stdout; a failure says which command and git's last words. */
export function git(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      {
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const said = String(stderr).trim().split('\n').slice(-3).join(' / ');
        reject(
          new GitError(
            `git ${args
              .filter((a) => !a.startsWith('-c'))
              .slice(0, 3)
              .join(' ')} failed: ${said || error.message}`,
          ),
        );
      },
    );
  });
}
