import type { AccountAccess } from './aws/account-access.js';
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
}

export interface AppDeps {
  store: Store;
  github: GitHub;
  access: AccountAccess;
  dispatcher: Dispatcher;
  builder: Builder;
  config: AppConfig;
  logger: Logger;
  /** Work a request starts but does not wait for (a webhook's build), tracked so nothing is dropped. */
  background(task: Promise<unknown>): void;
  now?: () => Date;
}

export type Env = { Variables: { user: User } };
