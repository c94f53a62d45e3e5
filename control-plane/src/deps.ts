import type { Logger } from '@dockercise/shared';
import type { AccountAccess } from './aws/account-access.js';
import type { Builds } from './builds/build-queue.js';
import type { RunSender } from './builds/run-sender.js';
import type { GitHub } from './github/github.js';
import type { LocalLogin } from './local/local-login.js';
import type { LocalTrigger } from './local/local-trigger.js';
import type { ResultReader } from './results/result-reader.js';
import type { Store, User } from './store/store.js';

export interface AppConfig {
  /** Where GitHub sends webhooks and users are redirected back: `https://dockercise.example`. */
  publicUrl: string;
  sessionSecret: string;
  /** Local mode: no Secure cookies (plain http on localhost). */
  local: boolean;
  /** The role the control plane runs as: the one principal customers' roles trust. */
  controlPlaneRoleArn: string;
  jobSigningPublicKey: string;
  templateUrl: string;
  agentVersion: string;
  /** The folder holding `dockercise-agent-<version>.tgz` files to serve to hosts. */
  agentDir?: string;
  /** That tarball's sha256, which the stack checks before installing it. */
  agentTarballSha256?: string;
  /** The results viewer's build (ui/dist), served under /results/. */
  uiDir?: string;
  /** Local mode: the token every change must carry (see requireLocalToken). */
  localToken?: string;
  /** How long this replica holds a build its webhook recorded (two minutes unless said). */
  buildClaimMs?: number;
}

/** What every mode has: the store, where runs are sent and where their results are read. */
export interface CoreDeps {
  store: Store;
  /** Sends a recorded run (and an approved run's continuation) to an agent. */
  dispatcher: RunSender;
  /** Where results are read: the customer's account, or the local server's folder. */
  results: ResultReader;
  config: AppConfig;
  logger: Logger;
  now?: () => Date;
}

/** The hosted control plane: GitHub for sign-in and code, AWS for the customers' accounts. */
export interface CloudDeps extends CoreDeps {
  mode: 'cloud';
  github: GitHub;
  access: AccountAccess;
  /** Where webhooks hand their builds: run a few at a time, after the answer (a thread of its own in production). */
  builds: Builds;
  /** This process among the control plane's replicas: what its claims on shared work say. */
  replica: string;
}

/** `dockercise server --local`: one user on loopback, runs of local git repositories. */
export interface LocalDeps extends CoreDeps {
  mode: 'local';
  localUser: User;
  trigger: LocalTrigger;
  /** One-time sign-in codes for the owner's browser (local-login.ts). */
  login: LocalLogin;
}

export type AppDeps = CloudDeps | LocalDeps;

export type Env = { Variables: { user: User } };
