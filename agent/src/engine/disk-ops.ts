/** What the disk janitor (daemon/disk-janitor.ts) asks of the host's engine (docker-disk.ts). */
export interface DiskOps {
  freeSpace(): Promise<{ free: number; total: number }>;
  /** Removes images no container uses that were made before `olderThanMs` ago (0: all unused). */
  pruneImages(olderThanMs: number): Promise<{ count: number; bytes: number }>;
  /** Volumes carrying the label, with when each was made. */
  volumes(label: string): Promise<Array<{ name: string; createdAt: number }>>;
  /** False when a container still uses the volume. */
  removeVolume(name: string): Promise<boolean>;
}
