import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { WorkspaceSource } from './workspace-source.js';

/** A commit of a repository on this machine, as `git archive` gives it: its files, never on disk. */
export function archiveSource(repository: string, commit: string): WorkspaceSource {
  return {
    tar: () => {
      const out = new PassThrough();
      const archive = spawn('git', ['-C', repository, 'archive', '--format=tar', '--prefix=data/', commit], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let said = '';
      archive.stderr.on('data', (chunk: Buffer) => {
        said = (said + chunk.toString()).slice(-2000);
      });
      archive.stdout.pipe(out, { end: false });
      archive.on('close', (code) => {
        if (code === 0) out.end();
        else out.destroy(new Error(`git archive ${commit} failed: ${said.trim() || `exit ${code}`}`));
      });
      archive.on('error', (error) => out.destroy(error));
      return out;
    },
  };
}
