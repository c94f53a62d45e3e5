import { pipeline as pipe } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type Logger, type PlanStep, renderTemplate } from '@dockercise/shared';
import type { CacheStore } from '../backend/cache-store.js';
import type { ContainerEngine } from '../engine/engine.js';
import { checkedCacheArchive } from './cache-archive.js';
import {
  branchCacheVolume,
  bucketNamespace,
  type CacheScope,
  readBranches,
  runCacheVolume,
} from './cache-scope.js';
import { imageOf } from './container-spec.js';
import { RUN_LABEL } from './run-options.js';

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
  /** An untrusted run's copy: removed when the attempt ends, whatever its outcome. */
  throwaway: boolean;
}

/** Where a run's caches are: its pipeline, and whose caches it may read and write. */
export interface CacheSpace {
  pipeline: string;
  runId: string;
  scope: CacheScope;
}

/** The bucket behind the engine's volumes, on an agent: caches survive the host. */
export interface RemoteCaches {
  store: CacheStore;
  log: Logger;
}

/** A trusted branch's volume for a cache (see cache-scope.ts). */
export function cacheVolumeName(space: Omit<CacheSpace, 'runId'>, key: string): string {
  return branchCacheVolume(space.scope, space.scope.branch, space.pipeline, key);
}

/**
 * Each of a step's caches: its key rendered from the outputs it names, then its volume. A trusted
 * run mounts its branch's volume, which only trusted runs of that branch write: found on the
 * engine it is a hit; else it is filled from the default branch's volume, else from the bucket
 * (its branch's archive, then the default branch's, each by key then by prefix), else new. An
 * untrusted run mounts a copy of its own, filled the same way, and never saved.
 */
export function prepareCaches(
  engine: ContainerEngine,
  space: CacheSpace,
  step: PlanStep,
  outputText: (step: string) => string,
  remote?: RemoteCaches,
): Promise<PreparedCache[]> {
  const { scope, pipeline } = space;
  return Promise.all(
    (step.cache ?? []).map(async (cache): Promise<PreparedCache> => {
      const key = renderTemplate(cache.key, outputText);
      const [own, ...others] = readBranches(scope);
      if (scope.trusted) {
        const volume = branchCacheVolume(scope, own, pipeline, key);
        if (await engine.volumeExists(volume))
          return { path: cache.path, key, hit: true, volume, toSave: false, throwaway: false };
        await createCacheVolume(engine, pipeline, key, volume);
        const from = await fill(engine, space, key, volume, imageOf(step, outputText), others, remote);
        const made = { path: cache.path, key, volume, throwaway: false };
        // Saved unless it came from this branch's own archive of this key.
        const toSave =
          remote !== undefined && !(from !== undefined && from.branch === own && from.key === key);
        return from
          ? { ...made, toSave, hit: true, restoredFrom: from.key }
          : { ...made, toSave, hit: false };
      }
      const volume = runCacheVolume(scope, space.runId, pipeline, key);
      await createCacheVolume(engine, pipeline, key, volume, space.runId);
      const from = await fill(
        engine,
        space,
        key,
        volume,
        imageOf(step, outputText),
        [own, ...others],
        remote,
      );
      const made = { path: cache.path, key, volume, toSave: false, throwaway: true };
      return from ? { ...made, hit: true, restoredFrom: from.key } : { ...made, hit: false };
    }),
  );
}

/**
 * Fills a new volume with a trusted branch's cache: another branch's volume on this engine, copied
 * (never mounted: the run could change it), else the bucket's archive of its branch or the next.
 */
async function fill(
  engine: ContainerEngine,
  space: CacheSpace,
  key: string,
  volume: string,
  image: string,
  engineBranches: ReadonlyArray<string | undefined>,
  remote: RemoteCaches | undefined,
): Promise<{ key: string; branch: string | undefined } | undefined> {
  for (const branch of engineBranches) {
    const source = branchCacheVolume(space.scope, branch, space.pipeline, key);
    if (!(await engine.volumeExists(source))) continue;
    await engine.exportVolume(source, image, (tar) => engine.importVolume(volume, image, tar));
    return { key, branch };
  }
  if (!remote) return undefined;
  for (const branch of readBranches(space.scope)) {
    const found = await restore(engine, space, branch, key, volume, image, remote);
    if (found) return { key: found, branch };
  }
  return undefined;
}

/** After the step succeeded: each cache it made (or restored from another key) goes to the bucket. */
export async function saveCaches(
  engine: ContainerEngine,
  space: Omit<CacheSpace, 'runId'>,
  image: string,
  caches: readonly PreparedCache[],
  remote: RemoteCaches | undefined,
): Promise<void> {
  if (!remote || !space.scope.trusted) return;
  const namespace = bucketNamespace(space.pipeline, space.scope.branch);
  for (const cache of caches) {
    if (!cache.toSave) continue;
    try {
      await engine.exportVolume(cache.volume, image, async (tar) => {
        // Level 1: dependency caches are mostly compressed already; speed matters more than size.
        const gzip = createGzip({ level: 1, chunkSize: ZLIB_CHUNK });
        const piping = pipe(tar, gzip).catch((error: unknown) => gzip.destroy(error as Error));
        await remote.store.save(namespace, cache.key, gzip);
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
  for (const cache of caches) if (!cache.hit || cache.throwaway) await engine.removeVolume(cache.volume);
}

/** An untrusted run's copies: removed whatever the outcome (a crashed run's by their run label). */
async function dropCopies(engine: ContainerEngine, caches: readonly PreparedCache[]): Promise<void> {
  for (const cache of caches) if (cache.throwaway) await engine.removeVolume(cache.volume);
}

function createCacheVolume(
  engine: ContainerEngine,
  pipeline: string,
  key: string,
  volume: string,
  runId?: string,
): Promise<void> {
  return engine.createVolume(volume, {
    'dockercise.cache.pipeline': pipeline,
    'dockercise.cache.key': key.slice(0, 200),
    ...(runId ? { [RUN_LABEL]: runId } : {}),
  });
}

/** The key of what was restored into the volume; undefined when nothing was (the volume stays empty). */
async function restore(
  engine: ContainerEngine,
  space: CacheSpace,
  branch: string | undefined,
  key: string,
  volume: string,
  image: string,
  remote: RemoteCaches,
): Promise<string | undefined> {
  const { pipeline } = space;
  try {
    const found = await remote.store.open(bucketNamespace(pipeline, branch), key);
    if (!found) return undefined;
    const gunzip = createGunzip({ chunkSize: ZLIB_CHUNK });
    const piping = pipe(found.body, gunzip).catch((error: unknown) => gunzip.destroy(error as Error));
    await engine.importVolume(volume, image, checkedCacheArchive(gunzip, remote.store.maxBytes));
    await piping;
    return found.key;
  } catch (error) {
    remote.log.warn({ err: error, key }, 'could not restore the cache from the bucket; starting empty');
    // A restore cut short may have left part of an archive: start from an empty volume instead.
    await engine.removeVolume(volume);
    await createCacheVolume(engine, pipeline, key, volume, space.scope.trusted ? undefined : space.runId);
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
  space: CacheSpace,
  step: PlanStep,
  outputText: (step: string) => string,
  remote: RemoteCaches | undefined,
): Promise<AttemptCaches> {
  const caches = await prepareCaches(engine, space, step, outputText, remote);
  return {
    mounts: caches.map((c) => ({ volume: c.volume, target: c.path })),
    reported: caches.map(({ path, key, hit, restoredFrom }) => ({
      path,
      key,
      hit,
      ...(restoredFrom ? { restoredFrom } : {}),
    })),
    finish: async (succeeded) => {
      if (!space.scope.trusted) return dropCopies(engine, caches);
      return succeeded
        ? saveCaches(engine, space, imageOf(step, outputText), caches, remote)
        : dropNewCaches(engine, caches);
    },
  };
}
