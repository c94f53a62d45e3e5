import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { BorrowedGit } from './borrowed-git.js';
import { GitError } from './git.js';
import { listFiles, packInto, repackInto, type WorkspaceSource } from './workspace-source.js';

/**
 * A commit of a repository on this machine, as `git archive` gives it: its files, never on disk,
 * after its borrowed `.git` when there is one.
 */
export function archiveSource(repository: string, commit: string, borrowed?: BorrowedGit): WorkspaceSource {
  return {
    tar: () => commitArchive(repository, commit, borrowed?.gitDir),
    ...(borrowed ? { mounts: [borrowed.mount] } : {}),
  };
}

function commitArchive(repository: string, commit: string, gitDir: string | undefined): Readable {
  const pack = tar.pack();
  void (async () => {
    if (gitDir) await packInto(pack, gitDir, await listFiles(gitDir, new Set()), '.git/');
    const archive = spawn('git', ['-C', repository, 'archive', '--format=tar', commit], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    archive.stderr.on('data', (chunk: Buffer) => {
      said = (said + chunk.toString()).slice(-2000);
    });
    const exited = new Promise<number | null>((resolve) => archive.on('close', resolve));
    await repackInto(pack, archive.stdout, (name) => `data/${name}`);
    const code = await exited;
    if (code !== 0) throw new GitError(`git archive ${commit} failed: ${said.trim() || `exit ${code}`}`);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}
