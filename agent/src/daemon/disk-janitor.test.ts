import { silentLogger } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import type { DiskOps } from '../engine/disk-ops.js';
import { CACHE_LABEL, HostDiskJanitor } from './disk-janitor.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

/** A disk of 100 units: each volume takes 10, images 20 until pruned; `inUse` volumes stay. */
function disk(volumes: Array<{ name: string; label: string; ageDays: number; inUse?: boolean }>) {
  const present = new Map(volumes.map((v) => [v.name, v]));
  const calls: string[] = [];
  let images = 20;
  const ops: DiskOps = {
    freeSpace: async () => ({ free: 100 - images - 10 * present.size, total: 100 }),
    pruneImages: async (olderThanMs) => {
      calls.push(`images older than ${olderThanMs / DAY} days`);
      const freed = olderThanMs === 0 ? images : 0;
      images -= freed;
      return { count: freed > 0 ? 3 : 0, bytes: freed };
    },
    volumes: async (label) =>
      [...present.values()]
        .filter((v) => v.label === label)
        .map((v) => ({ name: v.name, createdAt: NOW - v.ageDays * DAY })),
    removeVolume: async (name) => {
      const volume = present.get(name);
      if (!volume || volume.inUse) return false;
      calls.push(`remove ${name}`);
      present.delete(name);
      return true;
    },
  };
  return { ops, calls, present };
}

const options = { keepDays: 7, minFreeRatio: 0.2, runLabel: 'dockercise.run' };

describe("the host's disk janitor", () => {
  it('removes old images and caches, and what a dead run left, when the host is idle', async () => {
    const { ops, calls, present } = disk([
      { name: 'old-cache', label: CACHE_LABEL, ageDays: 10 },
      { name: 'new-cache', label: CACHE_LABEL, ageDays: 1 },
      { name: 'dead-run-workspace', label: 'dockercise.run', ageDays: 0 },
    ]);
    await new HostDiskJanitor(ops, silentLogger, options, () => NOW).tidy();
    expect(calls).toEqual(['images older than 7 days', 'remove dead-run-workspace', 'remove old-cache']);
    expect([...present.keys()]).toEqual(['new-cache']);
  });

  it('when space is short, removes unused images, then caches oldest first until enough is free', async () => {
    const volumes = Array.from({ length: 7 }, (_, i) => ({
      name: `cache-${i}`,
      label: CACHE_LABEL,
      ageDays: 6 - i,
    }));
    const { ops, calls } = disk([
      ...volumes,
      { name: 'busy-cache', label: CACHE_LABEL, ageDays: 30, inUse: true },
    ]);
    // 20 images + 80 volumes: nothing free. The images free 20; busy-cache (oldest, but in use)
    // stays, and the next oldest go until 20% is free.
    await new HostDiskJanitor(ops, silentLogger, { ...options, minFreeRatio: 0.3 }, () => NOW).tidyIfLow();
    expect(calls).toEqual(['images older than 0 days', 'remove cache-0']);
  });

  it('leaves a disk with room alone', async () => {
    const { ops, calls } = disk([{ name: 'cache', label: CACHE_LABEL, ageDays: 1 }]);
    await new HostDiskJanitor(ops, silentLogger, options, () => NOW).tidyIfLow();
    expect(calls).toEqual([]);
  });
});
