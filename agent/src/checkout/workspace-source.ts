import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The repository at the run's source, as every workspace a step owns starts with it (unless the
 * step says `checkout: false`). One per run; each call of `tar` is a fresh stream of `data/…`
 * entries, the form `importVolume` unpacks. Where the files come from is the mode's: the working
 * tree for `dockercise run`, the triggered commit's snapshot for the local server.
 */
export interface WorkspaceSource {
  tar(): Readable;
  /** Host folders the checkout needs in every step, read-only (the mirror its `.git` borrows from). */
  mounts?: ReadonlyArray<{ source: string; target: string }>;
}

/** These files of `root`, by their paths relative to it; one that is gone by then is left out. */
export function filesSource(root: string, files: readonly string[]): WorkspaceSource {
  return { tar: () => packFiles(root, [...files].sort()) };
}

/**
 * Every file and folder below `dir` (empty folders too: a `.git` needs its `refs/`), less the
 * folders named in `skip` (the results of `dockercise run`).
 */
export function folderSource(dir: string, skip: readonly string[] = []): WorkspaceSource {
  return {
    tar: () => {
      const out = new PassThrough();
      listFiles(dir, new Set(skip)).then(
        (files) => packFiles(dir, files).pipe(out),
        (error: unknown) => out.destroy(error as Error),
      );
      return out;
    },
  };
}

async function listFiles(dir: string, skip: ReadonlySet<string>): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const rel = relative(dir, path).split(sep).join('/');
      if (skip.has(rel)) continue;
      files.push(rel);
      if (entry.isDirectory()) await walk(path);
    }
  };
  await walk(dir);
  return files;
}

function packFiles(root: string, files: readonly string[]): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const file of files) {
      const path = join(root, file);
      const stat = await lstat(path).catch(() => undefined);
      if (!stat) continue;
      const header = { name: `data/${file}`, mode: stat.mode & 0o777, mtime: stat.mtime };
      if (stat.isSymbolicLink()) {
        pack.entry({ ...header, type: 'symlink', linkname: await readlink(path) });
      } else if (stat.isDirectory()) {
        pack.entry({ ...header, type: 'directory' });
      } else if (stat.isFile()) {
        const entry = pack.entry({ ...header, size: stat.size });
        await pipeline(createReadStream(path), entry);
      }
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}
