import { createHash } from 'node:crypto';
import { type PlanStep, renderTemplate } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';

export interface PreparedCache {
  path: string;
  key: string;
  /** Found from an earlier run, rather than made for this one. */
  hit: boolean;
  volume: string;
}

/**
 * A cache's volume: one per pipeline and key, kept across runs (it carries no run label, so a run's
 * clean-up leaves it). Named by a digest, since keys may hold any text.
 */
export function cacheVolumeName(pipeline: string, key: string): string {
  return `dockercise-cache-${createHash('sha256').update(`${pipeline}\0${key}`).digest('hex').slice(0, 24)}`;
}

/** Each of a step's caches: its key rendered from the outputs it names, its volume found or made. */
export function prepareCaches(
  engine: ContainerEngine,
  pipeline: string,
  step: PlanStep,
  outputText: (step: string) => string,
): Promise<PreparedCache[]> {
  return Promise.all(
    (step.cache ?? []).map(async (cache) => {
      const key = renderTemplate(cache.key, outputText);
      const volume = cacheVolumeName(pipeline, key);
      const hit = await engine.volumeExists(volume);
      if (!hit)
        await engine.createVolume(volume, {
          'dockercise.cache.pipeline': pipeline,
          'dockercise.cache.key': key.slice(0, 200),
        });
      return { path: cache.path, key, hit, volume };
    }),
  );
}

/** A cache is kept only from a step that succeeded: the volumes made for a failed one go. */
export async function dropNewCaches(
  engine: ContainerEngine,
  caches: readonly PreparedCache[],
): Promise<void> {
  for (const cache of caches) if (!cache.hit) await engine.removeVolume(cache.volume);
}
