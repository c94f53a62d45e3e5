import type { AccountAccess } from './aws/account-access.js';
import type { BuildQueue } from './builds/build-queue.js';
import type { Builder } from './builds/builder.js';
import type { Dispatcher } from './builds/dispatcher.js';
import type { GitHub } from './github/github.js';
import type { Logger } from './logger.js';
import type { Store, User } from './store/store.js';

export interface AppConfig {
  /** Where GitHub sends webhooks and users are redirected back: `https://dockercise.example`. */
  publicUrl: string;
  sessionSecret: string;
  /** Local mode: no Secure cookies (plain http on localhost). */
  local: boolean;
  controlPlaneAccountId: string;
  jobSigningPublicKey: string;
  templateUrl: string;
  agentVersion: string;
  /** The folder holding `dockercise-agent-<version>.tgz` files to serve to hosts. */
  agentDir?: string;
  /** The results viewer's build (ui/dist), served under /results/. */
  uiDir?: string;
}

export interface AppDeps {
  store: Store;
  github: GitHub;
  access: AccountAccess;
  dispatcher: Dispatcher;
  builder: Builder;
  config: AppConfig;
  logger: Logger;
  /** Where webhooks hand their builds: run a few at a time, after the answer. */
  builds: BuildQueue;
  now?: () => Date;
}

export type Env = { Variables: { user: User } };
