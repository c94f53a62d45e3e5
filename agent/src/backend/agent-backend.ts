import type { AgentIdentity, PlanPointer } from '@dockercise/shared/node';
import type { WorkspaceSource } from '../checkout/workspace-source.js';
import type { RoleAssumer } from '../credentials/role-session.js';
import type { RegistryAuth } from '../images/registry-auth.js';
import type { LogSink } from '../logs/log-sink.js';
import type { CacheStore } from './cache-store.js';
import type { CancelRequests } from './cancel-requests.js';
import type { HostGroup } from './host-group.js';
import type { HostReports } from './host-reports.js';
import type { JobLedger } from './job-ledger.js';
import type { JobQueue } from './job-queue.js';
import type { ResultStore } from './result-store.js';
import type { RunLeases } from './run-leases.js';
import type { WorkspaceSnapshots } from './workspace-snapshots.js';

/**
 * All an agent takes from the place it serves, in one bundle. Each backend folder (backends/aws,
 * backends/local) makes one with the same `createBackend(settings)`; `createAgent`
 * (daemon/create-agent.ts) turns it, with an engine and the agent's settings, into an Agent. A
 * second cloud is a third folder with that one function.
 *
 * Optional parts are what a place may not have: an agent beside the code (the local server) has
 * no bucket for caches, no other agents to lease runs against, no host to report or group to leave.
 */
export interface AgentBackend {
  /** Where signed jobs come from, and go back to (released) or aside (dead letters). */
  queue: JobQueue;
  /** The account and queue served: a job bound to another is refused. */
  identity: AgentIdentity;
  /** The signed jobs accepted so far, to refuse a replay. */
  ledger: JobLedger;
  /** One run's results, under its prefix `runs/<pipeline>/<run-id>/`. */
  results(runPrefix: string): ResultStore;
  /** One run's logs. */
  logs(pipeline: string, runId: string, runPrefix: string): LogSink;
  /** Reads a plan too large for its message; none where plans always travel in the message. */
  fetchPlan?(pointer: PlanPointer): Promise<Uint8Array>;
  cancelRequests: CancelRequests;
  /** Where caches outlive the host; without it, only the engine's volumes. */
  caches?: CacheStore;
  /** Where a run's workspaces wait for its gate beyond this host; without it, on the engine only. */
  snapshots?: WorkspaceSnapshots;
  /** Who runs each run across agents: no run runs on two hosts at once. */
  leases?: RunLeases;
  /** Where the host says how it stands. */
  hostReports?: HostReports;
  /** The host's Auto Scaling group: with one, an idle host leaves service (host-group.ts). */
  hostGroup?: HostGroup;
  /** Credentials for the registries of steps' images: the user's locally, the stack's on a host. */
  registryAuth?: RegistryAuth;
  /** Assumes the roles steps name in `aws-role`, with the backend's own credentials. */
  roleAssumer?: RoleAssumer;
  /** The run's source on this machine, for an agent beside the code. */
  sourceFor?(runId: string): WorkspaceSource | undefined;
}
