import { createHash } from 'node:crypto';
import { pipeline as pipe } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type Logger, type PlanStep, renderTemplate } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';
import type { CacheStore } from '../store/cache-store.js';

/**
 * zlib's output chunk: at its 16 KiB default a 200 MB archive took 1.6 s to inflate on the
 * development machine, at 1 MiB 0.22 s (fewer trips between the thread pool and the event loop).
 */
const ZLIB_CHUNK = 1024 * 1024;

export interface PreparedCache {
  path: string;
  key: string;
  /** Found from an earlier run (on this engine, or in the bucket), rather than made for this one. */
  hit: boolean;
  /** The key of the archive restored from the bucket: this key's, or an older one's by prefix. */
  restoredFrom?: string;
  volume: string;
  /** Whether the step's success should save it to the bucket: made here, or restored from another key. */
  toSave: boolean;
}

/** The bucket behind the engine's volumes, on an agent: caches survive the host. */
export interface RemoteCaches {
  store: CacheStore;
  /** Off for runs others must not trust (a pull request): they read caches, never write them. */
  save: boolean;
  log: Logger;
}

/**
 * A cache's volume: one per pipeline and key, kept across runs (it carries no run label, so a run's
 * clean-up leaves it). Named by a digest, since keys may hold any text.
 */
export function cacheVolumeName(pipeline: string, key: string): string {
  return `dockercise-cache-${createHash('sha256').update(`${pipeline}\0${key}`).digest('hex').slice(0, 24)}`;
}

/**
 * Each of a step's caches: its key rendered from the outputs it names, its volume found on the
 * engine, else filled from the bucket (the key's archive, or the newest of its prefix), else new.
 */
export function prepareCaches(
  engine: ContainerEngine,
  pipeline: string,
  step: PlanStep,
  outputText: (step: string) => string,
  remote?: RemoteCaches,
): Promise<PreparedCache[]> {
  return Promise.all(
    (step.cache ?? []).map(async (cache): Promise<PreparedCache> => {
      const key = renderTemplate(cache.key, outputText);
      const volume = cacheVolumeName(pipeline, key);
      if (await engine.volumeExists(volume))
        return { path: cache.path, key, hit: true, volume, toSave: false };
      await createCacheVolume(engine, pipeline, key, volume);
      const restoredFrom = remote
        ? await restore(engine, pipeline, key, volume, step.img, remote)
        : undefined;
      const made = { path: cache.path, key, volume, toSave: remote?.save === true && restoredFrom !== key };
      return restoredFrom ? { ...made, hit: true, restoredFrom } : { ...made, hit: false };
    }),
  );
}

/** After the step succeeded: each cache it made (or restored from another key) goes to the bucket. */
export async function saveCaches(
  engine: ContainerEngine,
  pipeline: string,
  image: string,
  caches: readonly PreparedCache[],
  remote: RemoteCaches | undefined,
): Promise<void> {
  if (!remote) return;
  for (const cache of caches) {
    if (!cache.toSave) continue;
    try {
      await engine.exportVolume(cache.volume, image, async (tar) => {
        // Level 1: dependency caches are mostly compressed already; speed matters more than size.
        const gzip = createGzip({ level: 1, chunkSize: ZLIB_CHUNK });
        const piping = pipe(tar, gzip).catch((error: unknown) => gzip.destroy(error as Error));
        await remote.store.save(pipeline, cache.key, gzip);
        await piping;
      });
    } catch (error) {
      remote.log.warn({ err: error, key: cache.key }, 'could not save the cache to the bucket');
    }
  }
}

/** A cache is kept only from a step that succeeded: the volumes made for a failed one go. */
export async function dropNewCaches(
  engine: ContainerEngine,
  caches: readonly PreparedCache[],
): Promise<void> {
  for (const cache of caches) if (!cache.hit) await engine.removeVolume(cache.volume);
}

function createCacheVolume(
  engine: ContainerEngine,
  pipeline: string,
  key: string,
  volume: string,
): Promise<void> {
  return engine.createVolume(volume, {
    'dockercise.cache.pipeline': pipeline,
    'dockercise.cache.key': key.slice(0, 200),
  });
}

/** The key of what was restored into the volume; undefined when nothing was (the volume stays empty). */
async function restore(
  engine: ContainerEngine,
  pipeline: string,
  key: string,
  volume: string,
  image: string,
  remote: RemoteCaches,
): Promise<string | undefined> {
  try {
    const found = await remote.store.open(pipeline, key);
    if (!found) return undefined;
    const gunzip = createGunzip({ chunkSize: ZLIB_CHUNK });
    const piping = pipe(found.body, gunzip).catch((error: unknown) => gunzip.destroy(error as Error));
    await engine.importVolume(volume, image, gunzip);
    await piping;
    return found.key;
  } catch (error) {
    remote.log.warn({ err: error, key }, 'could not restore the cache from the bucket; starting empty');
    // A restore cut short may have left part of an archive: start from an empty volume instead.
    await engine.removeVolume(volume);
    await createCacheVolume(engine, pipeline, key, volume);
    return undefined;
  }
}

/** A step's caches for one attempt: the volumes to mount, what the result says, and the ending. */
export interface AttemptCaches {
  mounts: Array<{ volume: string; target: string }>;
  reported: Array<{ path: string; key: string; hit: boolean; restoredFrom?: string }>;
  /** After the attempt: saved to the bucket when it succeeded, new volumes dropped when not. */
  finish(succeeded: boolean): Promise<void>;
}

export async function attemptCaches(
  engine: ContainerEngine,
  pipeline: string,
  step: PlanStep,
  outputText: (step: string) => string,
  remote: RemoteCaches | undefined,
): Promise<AttemptCaches> {
  const caches = await prepareCaches(engine, pipeline, step, outputText, remote);
  return {
    mounts: caches.map((c) => ({ volume: c.volume, target: c.path })),
    reported: caches.map(({ path, key, hit, restoredFrom }) => ({
      path,
      key,
      hit,
      ...(restoredFrom ? { restoredFrom } : {}),
    })),
    finish: (succeeded) =>
      succeeded ? saveCaches(engine, pipeline, step.img, caches, remote) : dropNewCaches(engine, caches),
  };
}
