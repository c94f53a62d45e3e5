import type { RunResult } from '@dockercise/shared';
import type { AwsAccount, RunRecord } from '../store/store.js';

/** A slice of a step's log. `nextToken` asks for the lines after it (a running step's new lines). */
export interface LogPage {
  source: 's3' | 'cloudwatch' | 'file';
  lines: string[];
  nextToken?: string;
  /** The whole log of a finished step: nothing will follow. */
  complete: boolean;
}

/**
 * Where the results API reads what agents wrote: the customer's bucket and log group through their
 * role (AwsResultReader), or the local server's folder (LocalResultReader).
 */
export interface ResultReader {
  /** The run's result.json as its agent last wrote it; undefined before it wrote one. */
  result(account: AwsAccount, run: RunRecord): Promise<RunResult | undefined>;
  log(account: AwsAccount, run: RunRecord, step: string, token?: string): Promise<LogPage>;
  /** A non-secret step's stored stdout; undefined when it has none. */
  output(account: AwsAccount, run: RunRecord, step: string): Promise<Uint8Array | undefined>;
  /** Asks the run's agent to stop it (the agent polls for the request). */
  requestCancel(account: AwsAccount, run: RunRecord): Promise<void>;
}
