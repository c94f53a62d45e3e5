import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from './app.js';
import { AccountAccess } from './aws/account-access.js';
import { Builder } from './builds/builder.js';
import { Dispatcher } from './builds/dispatcher.js';
import { Reconciler } from './builds/reconciler.js';
import { loadConfig } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { GitHub } from './github/github.js';
import { SqliteStore } from './store/sqlite-store.js';

/** Serves the control plane: wiring only. Everything it serves is in createApp. */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(78);
}
const logger = pino({ name: 'dockercise-control-plane' });
const store = new SqliteStore(config.databasePath, new SecretBox(config.storeSecret));
const github = new GitHub({ clientId: config.githubClientId, clientSecret: config.githubClientSecret });
const access = AccountAccess.create(config.region, config.awsEndpoint);
const dispatcher = new Dispatcher(store, access, config.signingKey, logger);
const builder = new Builder(store, github, dispatcher, logger);
const reconciler = new Reconciler(store, builder, dispatcher, logger);
const tasks = new Set<Promise<unknown>>();
const app = createApp({
  store,
  github,
  access,
  dispatcher,
  builder,
  logger,
  config: { ...config, local: false },
  background: (task) => {
    tasks.add(task);
    task
      .catch((error: unknown) => logger.error({ err: error }, 'background task failed'))
      .finally(() => tasks.delete(task));
  },
});

const server = serve({ fetch: app.fetch, port: config.port }, (info) =>
  logger.info({ port: info.port }, 'control plane listening'),
);
const timer = setInterval(() => {
  reconciler.pass().catch((error: unknown) => logger.error({ err: error }, 'reconciler pass failed'));
}, 5000);
void reconciler.pass();

process.on('SIGTERM', () => {
  clearInterval(timer);
  server.close(async () => {
    await Promise.allSettled([...tasks]);
    store.close();
    process.exit(0);
  });
});
