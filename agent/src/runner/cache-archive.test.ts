import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { CacheTooLargeError } from '../backend/cache-store.js';
import { BadCacheArchiveError, checkedCacheArchive } from './cache-archive.js';

/** A tar of the given entries (name → content, or a header for links and devices). */
function archive(entries: Array<tar.Headers & { body?: string }>): Readable {
  const pack = tar.pack();
  for (const { body, ...header } of entries) pack.entry(header, body ?? '');
  pack.finalize();
  return pack;
}

/** The names and contents that come out of the checker. */
async function unpacked(stream: Readable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entry, next) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        out[header.name] = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return out;
}

describe('a restored cache archive', () => {
  it('passes entries under data/ through as they are', async () => {
    const good = archive([
      { name: 'data/', type: 'directory' },
      { name: 'data/lib/a.txt', body: 'alpha' },
      { name: 'data/lib/link', type: 'symlink', linkname: 'a.txt' },
    ]);
    expect(await unpacked(checkedCacheArchive(good, 1024))).toEqual({
      'data/': '',
      'data/lib/a.txt': 'alpha',
      'data/lib/link': '',
    });
  });

  it('refuses an entry outside data/, a way up, a hard link out or a device', async () => {
    for (const [bad, said] of [
      [{ name: 'etc/passwd', body: 'x' }, 'outside data/'],
      [{ name: 'data/../../etc/passwd', body: 'x' }, 'outside data/'],
      [{ name: 'data/x', type: 'link' as const, linkname: 'etc/shadow' }, 'hard link out'],
      [{ name: 'data/null', type: 'character-device' as const }, 'device'],
    ] as const) {
      const checked = checkedCacheArchive(archive([{ name: 'data/ok', body: 'ok' }, bad]), 1024);
      await expect(unpacked(checked)).rejects.toSatisfy(
        (e: unknown) => e instanceof BadCacheArchiveError && (e as Error).message.includes(said),
      );
    }
  });

  it('stops once what it unpacks passes the cap, however small the archive', async () => {
    // 3 × 600 bytes of zeros: tiny compressed, past a 1 KiB cap unpacked.
    const big = archive([0, 1, 2].map((i) => ({ name: `data/f${i}`, body: '\0'.repeat(600) })));
    await expect(unpacked(checkedCacheArchive(big, 1024))).rejects.toBeInstanceOf(CacheTooLargeError);
  });
});
