import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_QUEUE } from '@dockercise/shared/node';
import type { AgentBackend } from '../../backend/agent-backend.js';
import type { WorkspaceSource } from '../../checkout/workspace-source.js';
import type { RoleAssumer } from '../../credentials/role-session.js';
import { dockerConfigAuth } from '../../images/docker-config-auth.js';
import { FileCancelRequests } from './file-cancel-requests.js';
import { FileJobLedger } from './file-job-ledger.js';
import { FileLogSink } from './file-log-sink.js';
import { LocalResultStore } from './local-result-store.js';
import { MemoryJobQueue } from './memory-job-queue.js';

export interface BackendSettings {
  /** The server's own folder: the ledger of accepted jobs. */
  dataDir: string;
  /** Results, logs and cancel markers, by run prefix. */
  resultsDir: string;
  /** Assumes steps' roles (`aws-role`) with the user's own credentials. */
  roleAssumer?: RoleAssumer;
  /** The run's source on this machine, when there is one. */
  sourceFor?(runId: string): WorkspaceSource | undefined;
}

/**
 * The agent beside the code (`dockercise server --local`): jobs in this process's memory, signed by
 * the server that sends them; results, logs and cancel markers in files.
 */
export function createBackend(s: BackendSettings): AgentBackend & { queue: MemoryJobQueue } {
  return {
    queue: new MemoryJobQueue(),
    identity: { accountId: LOCAL_ACCOUNT_ID, queue: LOCAL_QUEUE },
    ledger: new FileJobLedger(s.dataDir),
    results: (prefix) => new LocalResultStore(join(s.resultsDir, prefix)),
    logs: (_pipeline, _runId, prefix) => new FileLogSink(join(s.resultsDir, prefix)),
    cancelRequests: new FileCancelRequests(s.resultsDir),
    ...(s.sourceFor ? { sourceFor: s.sourceFor } : {}),
    ...(s.roleAssumer ? { roleAssumer: s.roleAssumer } : {}),
    // The user's own Docker credentials, as docker pull uses them.
    registryAuth: dockerConfigAuth(),
  };
}
