import type { Logger } from '@dockercise/shared';
import type { DiskOps } from '../engine/disk-ops.js';

/** Keeps a long-lived host's disk from filling up with images, stale volumes and old caches. */
export interface DiskJanitor {
  /** Everything: when the host is idle (no run in progress), before it leaves service. */
  tidy(): Promise<void>;
  /** Only when free space is short, and only what no running step can be using. */
  tidyIfLow(): Promise<void>;
}

export const CACHE_LABEL = 'dockercise.cache.key';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface JanitorOptions {
  /** Images and caches older than this go at every tidy (7 days: the bucket keeps caches 14). */
  keepDays: number;
  /** Below this share of the disk free, every unused image goes, then caches oldest first. */
  minFreeRatio: number;
  /** What a run's own volumes carry; with no run in progress any left are a dead attempt's. */
  runLabel: string;
}

export class HostDiskJanitor implements DiskJanitor {
  constructor(
    private readonly ops: DiskOps,
    private readonly logger: Logger,
    private readonly options: JanitorOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async tidy(): Promise<void> {
    const before = await this.ops.freeSpace();
    const images = await this.ops.pruneImages(this.options.keepDays * DAY_MS);
    let volumes = 0;
    for (const volume of await this.ops.volumes(this.options.runLabel))
      if (await this.ops.removeVolume(volume.name)) volumes++;
    const cutoff = this.now() - this.options.keepDays * DAY_MS;
    for (const volume of await this.ops.volumes(CACHE_LABEL))
      if (volume.createdAt < cutoff && (await this.ops.removeVolume(volume.name))) volumes++;
    const low = await this.freeUntilEnough();
    const after = await this.ops.freeSpace();
    this.logger.info(
      {
        images: images.count + low.images,
        volumes: volumes + low.volumes,
        imageBytes: images.bytes + low.bytes,
        freeBefore: before.free,
        freeAfter: after.free,
      },
      'disk tidied',
    );
  }

  async tidyIfLow(): Promise<void> {
    if (!this.isLow(await this.ops.freeSpace())) return;
    const freed = await this.freeUntilEnough();
    this.logger.warn(
      { ...freed, free: (await this.ops.freeSpace()).free },
      'disk short: freed what no step uses',
    );
  }

  private isLow(space: { free: number; total: number }): boolean {
    return space.total > 0 && space.free / space.total < this.options.minFreeRatio;
  }

  /**
   * While space is short: every unused image first (pulled again when a step names it), then
   * caches oldest first (restored from the bucket on their next use).
   */
  private async freeUntilEnough(): Promise<{ images: number; volumes: number; bytes: number }> {
    const freed = { images: 0, volumes: 0, bytes: 0 };
    if (!this.isLow(await this.ops.freeSpace())) return freed;
    const images = await this.ops.pruneImages(0);
    freed.images = images.count;
    freed.bytes = images.bytes;
    const caches = (await this.ops.volumes(CACHE_LABEL)).sort((a, b) => a.createdAt - b.createdAt);
    for (const cache of caches) {
      if (!this.isLow(await this.ops.freeSpace())) return freed;
      if (await this.ops.removeVolume(cache.name)) freed.volumes++;
    }
    return freed;
  }
}
