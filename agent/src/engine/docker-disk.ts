import { statfs } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { DiskOps } from './disk-ops.js';

/**
 * The disk janitor's operations on a Docker host: the free space of Docker's data root, image
 * prune (all unused images, not only dangling ones), and labelled volumes.
 * https://docs.docker.com/reference/api/engine/version/v1.43/#tag/Image/operation/ImagePrune
 */
export class DockerDisk implements DiskOps {
  private root: Promise<string> | undefined;

  constructor(
    private readonly docker: Docker,
    /** Prune only images with this label (tests, which must not touch other images). */
    private readonly imageLabel?: string,
  ) {}

  async freeSpace(): Promise<{ free: number; total: number }> {
    this.root ??= this.docker
      .info()
      .then((info: { DockerRootDir?: string }) => info.DockerRootDir ?? '/var/lib/docker');
    const stats = await statfs(await this.root);
    return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
  }

  async pruneImages(olderThanMs: number): Promise<{ count: number; bytes: number }> {
    const filters: Record<string, string[]> = { dangling: ['false'] };
    if (olderThanMs > 0) filters.until = [`${Math.round(olderThanMs / 3_600_000)}h`];
    if (this.imageLabel) filters.label = [this.imageLabel];
    const result = (await this.docker.pruneImages({ filters: JSON.stringify(filters) })) as {
      ImagesDeleted?: Array<{ Deleted?: string }> | null;
      SpaceReclaimed?: number;
    };
    // Build steps' layer cache: the classic builder keeps it as the built images' parents (pruned
    // above with them, by age); BuildKit keeps its own, which goes whole when the disk is short.
    const cache =
      olderThanMs === 0 && !this.imageLabel
        ? await this.docker.pruneBuilder().catch(() => ({ SpaceReclaimed: 0 }))
        : { SpaceReclaimed: 0 };
    return {
      count: (result.ImagesDeleted ?? []).filter((i) => i.Deleted).length,
      bytes: (result.SpaceReclaimed ?? 0) + (cache.SpaceReclaimed ?? 0),
    };
  }

  async volumes(label: string): Promise<Array<{ name: string; createdAt: number }>> {
    const { Volumes } = await this.docker.listVolumes({ filters: JSON.stringify({ label: [label] }) });
    return (Volumes ?? []).map((v) => ({
      name: v.Name,
      createdAt: Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '') || 0,
    }));
  }

  async removeVolume(name: string): Promise<boolean> {
    try {
      await this.docker.getVolume(name).remove();
      return true;
    } catch (error) {
      // 409: a container uses it; 404: already gone. Neither is the janitor's to force.
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 409 || status === 404) return false;
      throw error;
    }
  }
}
