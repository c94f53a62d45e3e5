import type { Readable } from 'node:stream';
import type { RunResult } from '@dockercise/shared';

/**
 * Where one run's results go — files locally, S3 on an agent — in the layout `result.json`
 * documents in @dockercise/shared. A store is made for one run.
 */
export interface ResultStore {
  /** Where a person finds the results: a path or a URL. */
  readonly location: string;
  saveResult(result: RunResult): Promise<void>;
  saveOutput(step: string, output: Uint8Array): Promise<void>;
  /** The result of an earlier attempt at this run, when there was one (to resume it). */
  loadResult(): Promise<RunResult | undefined>;
  loadOutput(step: string): Promise<Uint8Array | undefined>;
  /**
   * Keeps a file of the step's workspace (`artifacts`) at `artifacts/<step>/<path>`, streamed:
   * `size` bytes of `content`, read to its end. `path` is relative and inside the workspace.
   */
  saveArtifact(step: string, path: string, content: Readable, size: number): Promise<void>;
}
