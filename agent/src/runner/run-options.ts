import type { Logger, Plan, RunContext, RunResult } from '@dockercise/shared';
import type { CacheStore } from '../backend/cache-store.js';
import type { ResultStore } from '../backend/result-store.js';
import type { WorkspaceSnapshots } from '../backend/workspace-snapshots.js';
import type { WorkspaceSource } from '../checkout/workspace-source.js';
import type { ContainerEngine, PullPolicy, ResourceLimits } from '../engine/engine.js';
import type { RegistryAuth } from '../images/registry-auth.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Checkout } from './checkout.js';
import type { Resume } from './resume.js';
import type { ArtifactLimits } from './step-artifacts.js';
import type { StepCredentials } from './step-credentials.js';

export const RUN_LABEL = 'dockercise.run';
export const STEP_LABEL = 'dockercise.step';
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_OUTPUT_LIMIT = 1024 * 1024;
export const DEFAULT_STOP_GRACE_SECONDS = 10;

export interface RunOptions {
  runId: string;
  pipeline: string;
  plan: Plan;
  engine: ContainerEngine;
  store: ResultStore;
  logs: LogSink;
  concurrency?: number;
  /** Gates passed for this run; `all` passes every gate. */
  approvedGates?: ReadonlySet<string> | 'all';
  pull?: PullPolicy;
  limits?: ResourceLimits;
  outputLimitBytes?: number;
  /** What a step's artifacts, and the run's in all, may keep. */
  artifactLimits?: ArtifactLimits;
  stopGraceSeconds?: number;
  /** Aborting stops running steps with the grace period, then kills them. */
  cancel?: AbortSignal;
  /** Aborting kills running steps at once (a second Ctrl-C). */
  kill?: AbortSignal;
  source?: RunResult['source'];
  /** The repository to clone, and the read-only deploy key to clone it with (see checkout.ts). */
  checkout?: Checkout;
  /**
   * The repository at the run's source: every workspace a step owns starts with it, unless that
   * step says `checkout: false` (steps sharing a workspace through `vol` share one checkout).
   */
  workspace?: WorkspaceSource;
  /** Which delivery of the run this is (1 for the first): steps see it as DOCKERCISE_ATTEMPT. */
  attempt?: number;
  /** Go on from an earlier attempt at this run (see planResume). */
  resume?: Resume;
  /**
   * A re-run of an ended run: its earlier attempts, kept in the result. The attempt starts its own
   * clock (a resume goes on with the earlier attempt's).
   */
  previousAttempts?: RunResult['previousAttempts'];
  /** Where caches outlive the engine (the agent's bucket); only the engine's volumes without it. */
  caches?: CacheStore;
  /** Where the workspaces kept at a gate also go, for an approval another host takes. */
  snapshots?: WorkspaceSnapshots;
  /** Credentials for the registries of steps' images (never given to a step); anonymous without. */
  registryAuth?: RegistryAuth;
  /** Gives steps with `aws-role` their role's credentials; without it such a step fails before it starts. */
  credentials?: StepCredentials;
  /**
   * Whose caches these are (cache-scope.ts): the repository's identity (the pipeline's name when
   * not given), the default branch read after the run's own, and whether the run is trusted (by
   * default, unless a pull request).
   */
  cacheScope?: { repository?: string; defaultBranch?: string; trusted?: boolean };
  /** What the run is for, as steps' `when` filters see it; a manual run of no branch by default. */
  context?: RunContext;
  /**
   * `own` (the default): the run's steps share a bridge network of their own, so they never reach
   * other runs' containers — what an agent host, where runs of many repositories meet, needs.
   * `default`: Docker's default bridge, as `docker run` does; each container then starts ~50 ms
   * sooner and the run saves making and removing a network (~300 ms), for a run on your own machine.
   */
  network?: 'own' | 'default';
  /** Called with the newest result at every status change. */
  onChange?: (result: RunResult) => void;
  logger?: Logger;
}
