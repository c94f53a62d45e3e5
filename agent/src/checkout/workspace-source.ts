import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { BorrowedGit } from './borrowed-git.js';

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

/**
 * These files of `root`, by their paths relative to it (one that is gone by then is left out),
 * after their borrowed `.git` when there is one.
 */
export function filesSource(root: string, files: readonly string[], borrowed?: BorrowedGit): WorkspaceSource {
  const sorted = [...files].sort();
  return {
    tar: () => {
      const pack = tar.pack();
      void (async () => {
        if (borrowed)
          await packInto(pack, borrowed.gitDir, await listFiles(borrowed.gitDir, new Set()), '.git/');
        await packInto(pack, root, sorted);
        pack.finalize();
      })().catch((error: unknown) => pack.destroy(error as Error));
      return pack;
    },
    ...(borrowed ? { mounts: [borrowed.mount] } : {}),
  };
}

/**
 * Every file and folder below `dir` (empty folders too: a `.git` needs its `refs/`), less the
 * folders named in `skip` (the results of `dockercise run`), with the mounts its `.git` needs.
 */
export function folderSource(
  dir: string,
  skip: readonly string[] = [],
  mounts?: WorkspaceSource['mounts'],
): WorkspaceSource {
  return {
    tar: () => {
      const out = new PassThrough();
      listFiles(dir, new Set(skip)).then(
        (files) => packFiles(dir, files).pipe(out),
        (error: unknown) => out.destroy(error as Error),
      );
      return out;
    },
    ...(mounts ? { mounts } : {}),
  };
}

export async function listFiles(dir: string, skip: ReadonlySet<string>): Promise<string[]> {
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

/**
 * Entries written whole do not wait for the reader: past this much waiting to be read, the next
 * batch waits instead, so a large tree is never all in memory while the engine unpacks it.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

async function drained(pack: Readable): Promise<void> {
  while (pack.readableLength > MAX_BUFFERED_BYTES && !pack.destroyed)
    await new Promise((resolve) => setTimeout(resolve, 2));
}

/** Past this a file is streamed into the archive; below it, one read is quicker than a stream. */
const READ_WHOLE_BYTES = 1024 * 1024;

function packFiles(root: string, files: readonly string[]): Readable {
  const pack = tar.pack();
  void (async () => {
    await packInto(pack, root, files);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}

/**
 * Adds these files of `root` to the archive, as `data/<prefix><path>`, in order; a file that is
 * gone by then is left out. Stats and small reads run in batches, in parallel: one at a time, a
 * tree of thousands of small files waits on each (where a system call is slow, as in a sandbox,
 * seconds in all).
 */
export async function packInto(
  pack: tar.Pack,
  root: string,
  files: readonly string[],
  prefix = '',
): Promise<void> {
  for (let from = 0; from < files.length; from += 64) {
    await drained(pack);
    const batch = files.slice(from, from + 64);
    const stats = await Promise.all(batch.map((file) => lstat(join(root, file)).catch(() => undefined)));
    const contents = await Promise.all(
      batch.map((file, i) => {
        const stat = stats[i];
        return stat?.isFile() && stat.size <= READ_WHOLE_BYTES
          ? readFile(join(root, file)).catch(() => undefined)
          : stat?.isSymbolicLink()
            ? readlink(join(root, file)).catch(() => undefined)
            : undefined;
      }),
    );
    for (const [i, file] of batch.entries()) {
      const stat = stats[i];
      const content = contents[i];
      if (!stat) continue;
      const header = { name: `data/${prefix}${file}`, mode: stat.mode & 0o777, mtime: stat.mtime };
      if (stat.isSymbolicLink() && typeof content === 'string') {
        pack.entry({ ...header, type: 'symlink', linkname: content });
      } else if (stat.isDirectory()) {
        pack.entry({ ...header, type: 'directory' });
      } else if (stat.isFile() && content instanceof Buffer) {
        pack.entry({ ...header, size: content.length }, content);
      } else if (stat.isFile() && stat.size > READ_WHOLE_BYTES) {
        await pipeline(createReadStream(join(root, file)), pack.entry({ ...header, size: stat.size }));
      }
    }
  }
}

/**
 * Copies another archive's entries into this one, each renamed by `rename` (undefined leaves it
 * out): files streamed, folders and links as they are, anything else (git's comment header, a
 * device) left out. Resolves once the archive is read to its end.
 */
export async function repackInto(
  pack: tar.Pack,
  archive: Readable,
  rename: (name: string) => string | undefined,
): Promise<void> {
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = rename(header.name);
    if (name !== undefined && header.type === 'file')
      return stream.pipe(pack.entry({ ...header, name }, next));
    if (name !== undefined && (header.type === 'directory' || header.type === 'symlink'))
      pack.entry({ ...header, name });
    stream.resume();
    stream.on('end', next);
  });
  await pipeline(archive, extract);
}
