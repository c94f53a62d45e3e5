import type { KeyObject } from 'node:crypto';
import type { Logger } from '@dockercise/shared';
import { PipelineCompiler } from '@dockercise/shared/node';
import { createApp } from './app.js';
import type { AccountAccess } from './aws/account-access.js';
import { Dispatcher } from './aws/dispatcher.js';
import { HostCapacity } from './aws/host-capacity.js';
import { BuildQueue, type Builds } from './builds/build-queue.js';
import { Builder } from './builds/builder.js';
import { CLAIM_MS, claimFor, newReplicaId } from './builds/claims.js';
import { Reconciler } from './builds/reconciler.js';
import { StatusReporter } from './builds/status-reporter.js';
import { StrandedRuns } from './builds/stranded-runs.js';
import type { GitSsh } from './config.js';
import type { AppConfig } from './deps.js';
import type { GitHub } from './github/github.js';
import { AwsResultReader } from './results/aws-result-reader.js';
import { RunResults } from './results/run-results.js';
import type { Store } from './store/store.js';

export interface ControlPlaneParts {
  store: Store;
  github: GitHub;
  access: AccountAccess;
  signingKey: KeyObject;
  config: AppConfig;
  logger: Logger;
  /** Builds at once behind the webhooks. */
  buildConcurrency?: number;
  /** Recorded runs younger than this are left to the request that recorded them. */
  reconcileGraceMs?: number;
  /** Sent runs with no result after this long get their host asked for again (3 minutes). */
  strandedAfterMs?: number;
  /** The waits between tries while a host group is busy (5 s, doubling, about 5 minutes in all). */
  capacityRetryMs?: readonly number[];
  /** Where steps clone from (github.com unless said). */
  gitSsh?: GitSsh;
  /** This process among the replicas (a fresh id unless said). */
  replica?: string;
  /** Where the webhook hands builds: the background thread's (index.ts), else this process's own queue. */
  builds?: Builds;
  /** The clock; a test's. */
  now?: () => Date;
}

/** The control plane, assembled: index.ts, the tests and the benchmark all build it here. */
export function wireControlPlane(parts: ControlPlaneParts) {
  const { store, github, access, logger } = parts;
  const replica = parts.replica ?? newReplicaId();
  const capacity = new HostCapacity(store, access, logger, undefined, parts.capacityRetryMs);
  const dispatcher = new Dispatcher(store, access, capacity, parts.signingKey, logger, parts.gitSsh, replica);
  const compiler = new PipelineCompiler();
  const builder = new Builder(store, github, dispatcher, logger, (sources) => compiler.compile(sources));
  const builds = new BuildQueue(builder, parts.buildConcurrency ?? 4);
  // What this replica builds it claims first, a few at a time, so a replica that dies mid-way
  // leaves its builds to another once the claims run out.
  builds.pullFrom((free) => {
    const now = new Date();
    return store.claimBuilds(
      now.toISOString(),
      claimFor(replica, parts.config.buildClaimMs ?? CLAIM_MS.build, now),
      free,
    );
  });
  const stranded = new StrandedRuns(store, capacity, logger, parts.strandedAfterMs);
  const reconciler = new Reconciler(
    store,
    builds,
    dispatcher,
    logger,
    parts.reconcileGraceMs ?? 10_000,
    undefined,
    stranded,
    replica,
  );
  const results = new AwsResultReader(access, (accountId) => store.getAccount(accountId));
  const statuses = new StatusReporter(
    store,
    github,
    new RunResults(store, results),
    parts.config.publicUrl,
    logger,
    parts.now,
    replica,
  );
  const app = createApp({
    mode: 'cloud',
    store,
    github,
    access,
    dispatcher,
    builds: parts.builds ?? builds,
    replica,
    results,
    config: parts.config,
    logger,
    ...(parts.now ? { now: parts.now } : {}),
  });
  return { app, dispatcher, builder, builds, reconciler, statuses, compiler, capacity };
}
