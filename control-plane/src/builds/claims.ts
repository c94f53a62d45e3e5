import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkClaim } from '../store/store.js';

/**
 * How long a replica holds what it took before another may take it: long enough for the work to
 * be done (a build reads GitHub and sends a job), short enough that a replica killed mid-way
 * delays it by little.
 */
export const CLAIM_MS = {
  build: 2 * 60 * 1000,
  send: 60 * 1000,
  /** A background task's lease (the stranded runs, the status reporter), renewed at every pass. */
  task: 15 * 1000,
} as const;

/** This process among the control plane's replicas: what its claims say it is. */
export function newReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function claimFor(holder: string, ms: number, now: Date): WorkClaim {
  return { holder, until: new Date(now.getTime() + ms).toISOString() };
}
