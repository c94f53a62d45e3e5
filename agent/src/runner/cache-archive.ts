import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { CacheTooLargeError } from '../backend/cache-store.js';

export class BadCacheArchiveError extends Error {
  override readonly name = 'BadCacheArchiveError';
}

/**
 * A restored cache archive as it may reach the volume: only entries under `data/` (what
 * exportVolume makes), no `..`, no hard link out of `data/`, and no more than `maxBytes` of
 * content once unpacked — a sparse terabyte gzips to about a gigabyte, which without the count
 * would fill the disk on every restore. Entries are passed on as they come, never held whole.
 */
export function checkedCacheArchive(archive: Readable, maxBytes: number): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  let bytes = 0;
  const refuse = (error: Error) => {
    pack.destroy(error);
    extract.destroy(error);
  };
  extract.on('entry', (header, stream, next) => {
    const problem = problemWith(header);
    if (problem) return refuse(new BadCacheArchiveError(`the cache archive ${problem}; not restored`));
    bytes += header.size ?? 0;
    if (bytes > maxBytes)
      return refuse(new CacheTooLargeError(`the cache unpacks to more than ${maxBytes} bytes; not restored`));
    pipeline(stream, pack.entry(header)).then(() => next(), refuse);
  });
  extract.on('finish', () => pack.finalize());
  pipeline(archive, extract).catch(refuse);
  return pack;
}

function problemWith(header: tar.Headers): string | undefined {
  const outside = (path: string) =>
    !(path === 'data' || path === 'data/' || path.startsWith('data/')) || path.split('/').includes('..');
  if (outside(header.name)) return `has an entry outside data/ (${header.name.slice(0, 200)})`;
  if (header.type === 'link' && outside(header.linkname ?? ''))
    return `has a hard link out of data/ (${header.name.slice(0, 200)})`;
  if (header.type === 'character-device' || header.type === 'block-device' || header.type === 'fifo')
    return `has a device or fifo (${header.name.slice(0, 200)})`;
  return undefined;
}
