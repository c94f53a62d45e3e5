import type { Readable } from 'node:stream';

/**
 * Where a run's workspaces wait for its gate when the host that ran it may not be the one that
 * takes the approval: gzipped tars of a volume (as the engine exports it), by run and owner. Both
 * directions stream; the bucket expires them (a gate left longer rebuilds them instead).
 */
export interface WorkspaceSnapshots {
  /** The largest snapshot saved, and the most a restored one may unpack to. */
  readonly maxBytes: number;
  save(pipeline: string, runId: string, owner: string, body: Readable): Promise<void>;
  open(pipeline: string, runId: string, owner: string): Promise<Readable | undefined>;
}
