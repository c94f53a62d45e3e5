import type { Readable } from 'node:stream';

/** Two GiB: an archive past it is not saved (the step still succeeds). */
export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;

/**
 * Where caches outlive a host: archives (gzipped tars of a cache's directory) by pipeline and key.
 * Both directions stream: an archive is never held whole in memory.
 */
export interface CacheStore {
  /** The largest archive saved, and the most a restored one may unpack to (cache-archive.ts). */
  readonly maxBytes: number;
  /**
   * The archive saved under `key`; failing that, the newest saved under a key with the same prefix
   * up to its last `-` (`npm-3f2a` falls back to the newest `npm-…`), as GitHub's restore-keys do.
   */
  open(pipeline: string, key: string): Promise<{ key: string; body: Readable } | undefined>;
  /** Saves the archive; past the size cap it throws CacheTooLargeError and nothing is kept. */
  save(pipeline: string, key: string, body: Readable): Promise<void>;
}

export class CacheTooLargeError extends Error {
  override readonly name = 'CacheTooLargeError';
}

/** The prefix a key falls back to: up to and with its last `-`; none for a key without one. */
export function fallbackPrefix(key: string): string | undefined {
  const dash = key.lastIndexOf('-');
  return dash > 0 ? key.slice(0, dash + 1) : undefined;
}
