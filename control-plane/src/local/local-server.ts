import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ContainerEngine,
  createAgent,
  createLocalBackend,
  DockerEngine,
  type RoleAssumer,
  userRoleAssumer,
} from '@dockercise/agent';
import { FINISHED_RUN_STATUSES } from '@dockercise/shared';
import { rawPublicKeyBase64 } from '@dockercise/shared/node';
import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { SecretBox } from '../crypto/secret-box.js';
import { LocalResultReader } from '../results/local-result-reader.js';
import { openSqliteStore } from '../store/open-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { LocalDispatcher } from './local-dispatcher.js';
import { LocalLogin } from './local-login.js';
import { LOCAL_ACCOUNT, LocalTrigger } from './local-trigger.js';
import { RunSources } from './run-sources.js';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Holds store.db, results/ and sources/; made when missing. */
  dataDir: string;
  /** The results viewer's build; defaults to the monorepo's ui/dist. */
  uiDir?: string;
  /** How long running steps may go on after close() before they are stopped and handed back. */
  shutdownGraceMs?: number;
  /** Runs at once, and steps at once within a run. */
  runConcurrency?: number;
  stepConcurrency?: number;
  engine?: ContainerEngine & { ping(): Promise<void> };
  /** Assumes steps' roles; the user's own AWS credentials (the SDK's default chain) unless given. */
  roleAssumer?: RoleAssumer;
  logger: import('@dockercise/agent').Logger;
}

export interface LocalServer {
  url: string;
  /** What changes must carry (the x-dockercise-token header); also in `<data>/token`. */
  token: string;
  /** A one-time link that signs the owner's browser in for changes (approve, cancel, re-run). */
  signInUrl(returnTo?: string): string;
  /** Stops taking requests and jobs; running steps get the grace period, then are stopped. */
  close(): Promise<void>;
}

/** The viewer's build beside this package in the monorepo: control-plane/dist/local → ui/dist. */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../ui/dist', import.meta.url));

/**
 * `dockercise server --local`: the control plane on loopback with an in-process agent that takes
 * signed jobs from an in-memory queue and runs them on the local Docker engine, with results and
 * logs in files. No AWS, no GitHub; the one user is whoever runs it.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  const resultsDir = join(dataDir, 'results');
  mkdirSync(resultsDir, { recursive: true, mode: 0o700 });
  const { logger } = options;

  const store = openSqliteStore(join(dataDir, 'store.db'), new SecretBox(storeSecret(dataDir)));
  const user = await store.upsertUser({ githubId: 0, login: userInfo().username || 'local', token: '' });
  if (!(await store.getAccount(LOCAL_ACCOUNT)))
    await store.createAccount({
      accountId: LOCAL_ACCOUNT,
      ownerId: user.id,
      externalId: 'local',
      region: 'local',
    });

  const token = localToken(dataDir);
  const login = new LocalLogin();
  // Jobs live only in this process's memory, so a key of the process's own is enough to sign them.
  const keys = generateKeyPairSync('ed25519');
  const sources = new RunSources(join(dataDir, 'sources'));
  const backend = createLocalBackend({
    dataDir,
    resultsDir,
    sourceFor: (runId) => sources.sourceFor(runId),
    // Steps' roles are assumed with the user's own AWS credentials, as `dockercise run` does.
    roleAssumer: options.roleAssumer ?? userRoleAssumer(),
  });
  const dispatcher = new LocalDispatcher(store, backend.queue, keys.privateKey, logger);
  const trigger = new LocalTrigger(store, dispatcher, user, sources, logger);

  const agent = createAgent(
    backend,
    {
      publicKey: keys.publicKey,
      concurrency: options.runConcurrency ?? 2,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
      idleStopMinutes: 0,
      visibilitySeconds: 60,
      cancelPollMs: 500,
      stepConcurrency: options.stepConcurrency ?? 4,
      retryDelaySeconds: 5,
      holder: 'local',
    },
    { engine: options.engine ?? new DockerEngine(), logger },
  );
  const agentDone = agent
    .run()
    .catch((error: unknown) => logger.error({ err: error }, 'local agent stopped'));

  const results = new LocalResultReader(resultsDir);
  await resendLostJobs(store, results, dispatcher);

  const app = createApp({
    mode: 'local',
    store,
    dispatcher,
    results,
    localUser: user,
    trigger,
    login,
    logger,
    config: {
      publicUrl: '',
      sessionSecret: randomBytes(32).toString('hex'),
      local: true,
      controlPlaneRoleArn: '',
      jobSigningPublicKey: rawPublicKeyBase64(keys.publicKey),
      templateUrl: '',
      agentVersion: '',
      uiDir: options.uiDir ?? DEFAULT_UI_DIR,
      localToken: token,
    },
  });

  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((ready, fail) => {
      const s = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' }, () => ready(s));
      s.once('error', fail);
    });
  } catch (error) {
    agent.shutdown();
    await agentDone;
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `port ${options.port} on 127.0.0.1 is taken; choose another with --port`
        : `cannot listen on 127.0.0.1:${options.port} (${(error as Error).message})`,
      { cause: error },
    );
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    signInUrl: (returnTo) =>
      `http://127.0.0.1:${port}/auth/local?code=${login.mint()}${returnTo ? `&return=${encodeURIComponent(returnTo)}` : ''}`,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((done) => server.close(() => done()));
        agent.shutdown();
        await agentDone;
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * The queue lived in the last process's memory. Runs recorded but never handed over, and runs whose
 * job was still in flight (no result yet, or one that is neither finished nor waiting at a gate),
 * are sent again; the agent resumes each from its stored result.
 */
async function resendLostJobs(store: SqlStore, results: LocalResultReader, dispatcher: LocalDispatcher) {
  for (const { pipeline } of await store.listPipelines(LOCAL_ACCOUNT)) {
    for (const run of await store.listRuns(LOCAL_ACCOUNT, pipeline, 100)) {
      if (run.status !== 'sent') continue;
      const result = await results.result(run);
      if (result && (FINISHED_RUN_STATUSES.has(result.status) || result.status === 'waiting-approval'))
        continue;
      await store.requeueRun(run.runId);
    }
  }
  for (const run of await store.unsentRuns(new Date().toISOString())) await dispatcher.send(run);
}

/** The store seals secrets at rest; the local one keeps its key beside the database, owner-only. */
function storeSecret(dataDir: string): string {
  const path = join(dataDir, 'store.secret');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

/**
 * A token of this server's own, renewed at every start, in a file only its user can read: the
 * proof a request comes from that user (`dockercise trigger` reads it; the viewer gets it in page).
 */
function localToken(dataDir: string): string {
  const token = randomBytes(32).toString('hex');
  const path = join(dataDir, 'token');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // a file from an earlier start keeps its mode otherwise
  return token;
}
