export interface Cluster {
  /** The superuser's URL, for the `postgres` database. */
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

export function startCluster(): Promise<Cluster>;
