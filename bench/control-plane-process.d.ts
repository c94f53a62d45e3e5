import type { ChildProcess } from 'node:child_process';

export interface ControlPlaneProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startControlPlane(settings: {
  /** A PostgreSQL URL or a SQLite file. */
  database: string;
  /** A stand-in GitHub API (pipeline-github.js). */
  github: string;
  awsEndpoint: string;
  storeSecret: string;
  signingKeyPem: string;
  env?: Record<string, string>;
  /** Node's own options before the script: `--cpu-prof`, say. */
  nodeArgs?: string[];
}): Promise<ControlPlaneProcess>;

export function pushDelivery(
  repo: { id: number; fullName: string; webhookId: number; webhookSecret: string },
  deliveryId: string,
  commit: string,
): (url: string) => Promise<Response>;
