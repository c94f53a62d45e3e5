import type { KeyObject } from 'node:crypto';
import type { Logger } from '@dockercise/shared';
import { PipelineCompiler } from '@dockercise/shared/node';
import { createApp } from './app.js';
import { AccountAccess } from './aws/account-access.js';
import { Dispatcher } from './aws/dispatcher.js';
import { HostCapacity } from './aws/host-capacity.js';
import { BuildQueue, type Builds } from './builds/build-queue.js';
import { Builder } from './builds/builder.js';
import { CLAIM_MS, claimFor, newReplicaId } from './builds/claims.js';
import { Reconciler } from './builds/reconciler.js';
import { StatusReporter } from './builds/status-reporter.js';
import { StrandedRuns } from './builds/stranded-runs.js';
import type { ControlPlaneConfig, GitSsh } from './config.js';
import type { AppConfig } from './deps.js';
import { GitHub } from './github/github.js';
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
  /** Where the webhook hands builds, in wireControlPlane: this process's own queue unless said. */
  builds?: Builds;
  /** The clock; a test's. */
  now?: () => Date;
}

/** The parts as the settings name them: the same in the accepting process and its background thread. */
export function partsFromConfig(
  config: ControlPlaneConfig,
  store: Store,
  logger: Logger,
  replica: string,
): ControlPlaneParts {
  return {
    store,
    github: new GitHub({
      clientId: config.githubClientId,
      clientSecret: config.githubClientSecret,
      apiUrl: config.githubApiUrl,
      webUrl: config.githubWebUrl,
    }),
    access: AccountAccess.create(config.region, config.awsEndpoint),
    signingKey: config.signingKey,
    gitSsh: config.gitSsh,
    config: { ...config, local: false },
    logger,
    replica,
  };
}

/** Sending runs to customers' queues, and sizing their host groups: what both threads do. */
export interface Dispatch {
  capacity: HostCapacity;
  dispatcher: Dispatcher;
  replica: string;
}

export function wireDispatch(parts: ControlPlaneParts): Dispatch {
  const { store, access, logger } = parts;
  const replica = parts.replica ?? newReplicaId();
  const capacity = new HostCapacity(store, access, logger, undefined, parts.capacityRetryMs);
  const dispatcher = new Dispatcher(store, access, capacity, parts.signingKey, logger, parts.gitSsh, replica);
  return { capacity, dispatcher, replica };
}

/**
 * The accepting process (index.ts): the app, answering webhooks, sign-ins and the viewer. Builds
 * go to `builds` (the background thread's); approvals and re-runs send through `dispatch`.
 */
export function wireAccepting(parts: ControlPlaneParts & { builds: Builds }, dispatch: Dispatch) {
  const { store, logger } = parts;
  const app = createApp({
    mode: 'cloud',
    store,
    github: parts.github,
    access: parts.access,
    dispatcher: dispatch.dispatcher,
    builds: parts.builds,
    replica: dispatch.replica,
    results: new AwsResultReader(parts.access, (accountId) => store.getAccount(accountId)),
    config: parts.config,
    logger,
    ...(parts.now ? { now: parts.now } : {}),
  });
  return { app };
}

/**
 * The background thread (background/worker.ts): builds what webhooks recorded, sends runs, finds
 * stranded ones, reports commit statuses.
 */
export function wireBackground(parts: ControlPlaneParts, dispatch: Dispatch) {
  const { store, github, logger } = parts;
  const { dispatcher, replica } = dispatch;
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
  const stranded = new StrandedRuns(store, dispatch.capacity, logger, parts.strandedAfterMs);
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
  const statuses = new StatusReporter(
    store,
    github,
    new RunResults(store, new AwsResultReader(parts.access, (accountId) => store.getAccount(accountId))),
    parts.config.publicUrl,
    logger,
    parts.now,
    replica,
  );
  return { builder, builds, reconciler, statuses, compiler };
}

/** Both in one process, sharing one dispatch: the tests and the benchmarks. */
export function wireControlPlane(parts: ControlPlaneParts) {
  const dispatch = wireDispatch(parts);
  const background = wireBackground(parts, dispatch);
  const { app } = wireAccepting({ ...parts, builds: parts.builds ?? background.builds }, dispatch);
  return { app, ...background, dispatcher: dispatch.dispatcher, capacity: dispatch.capacity };
}
