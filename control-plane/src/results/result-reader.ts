import type { Readable } from 'node:stream';
import type { RunResult } from '@dockercise/shared';

/** A slice of a step's log. `nextToken` asks for the lines after it (a running step's new lines). */
export interface LogPage {
  source: 's3' | 'cloudwatch' | 'file';
  lines: string[];
  nextToken?: string;
  /** The whole log of a finished step: nothing will follow. */
  complete: boolean;
}

/**
 * A run by where its results live: its account's bucket and log group (or the local server's
 * folder) under `<pipeline>/<runId>/`. A RunRecord is one.
 */
export interface RunLocation {
  accountId: string;
  pipeline: string;
  runId: string;
}

/**
 * Where the results API reads what agents wrote: the customer's bucket and log group through their
 * role (AwsResultReader), or the local server's folder (LocalResultReader).
 */
export interface ResultReader {
  /** The run's result.json as its agent last wrote it; undefined before it wrote one. */
  result(run: RunLocation): Promise<RunResult | undefined>;
  log(run: RunLocation, step: string, token?: string): Promise<LogPage>;
  /** A non-secret step's stored stdout; undefined when it has none. */
  output(run: RunLocation, step: string): Promise<Uint8Array | undefined>;
  /**
   * Where a kept file of a step is downloaded: a short-lived presigned URL of the customer's bucket
   * (its bytes never pass through the control plane), or the local file.
   */
  artifact(run: RunLocation, step: string, path: string): Promise<ArtifactDownload>;
  /** Asks the run's agent to stop it (the agent polls for the request). */
  requestCancel(run: RunLocation): Promise<void>;
}

export type ArtifactDownload = { redirect: string } | { file: Readable };
