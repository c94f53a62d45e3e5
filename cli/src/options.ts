import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the commands take from the command line, apart from the parser (main.ts) that fills it. */

export interface LogOptions {
  logLevel: string;
  logFormat: 'text' | 'json';
}

/** Exit code of a command line that is wrong (an unknown flag, step or gate): EX_USAGE of sysexits.h. */
export const EXIT_USAGE = 64;

export interface RunCliOptions {
  step?: string[];
  approve?: boolean;
  approveGates?: string[];
  concurrency: number;
  pull: 'if-not-present' | 'always';
  memory?: string;
  cpus?: number;
  outputLimit: number;
  /** A network of the run's own instead of Docker's default bridge. */
  ownNetwork?: boolean;
  /** Whose AWS credentials assume steps' `aws-role` (the SDK's default chain unless given). */
  awsProfile?: string;
  /** For `when` filters: the branch (default: the folder's git branch), the event, the changed files. */
  branch?: string;
  event: 'push' | 'pull_request' | 'manual';
  changed?: string[];
  /** Go on with this earlier run: keep what succeeded, run the rest. */
  resume?: string;
  /** Run this commit (its pipeline and its files) instead of the working tree. */
  commit?: string;
}

export interface ServerCliOptions extends LogOptions {
  local?: boolean;
  port: number;
  data?: string;
  uiDir?: string;
}

/** `dockercise server --local` keeps its runs and store here unless --data says otherwise. */
export const DEFAULT_DATA_DIR = join(homedir(), '.dockercise', 'local');

export interface TriggerCliOptions {
  server: string;
  /** The local server's token file (`<data>/token`). */
  tokenFile: string;
  wait?: boolean;
}
