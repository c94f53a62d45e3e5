import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { AccountAccess } from './aws/account-access.js';
import { loadConfig } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { GitHub } from './github/github.js';
import { SqliteStore } from './store/sqlite-store.js';
import { wireControlPlane } from './wire.js';

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
const github = new GitHub({
  clientId: config.githubClientId,
  clientSecret: config.githubClientSecret,
  apiUrl: config.githubApiUrl,
  webUrl: config.githubWebUrl,
});
const access = AccountAccess.create(config.region, config.awsEndpoint);
const { app, builds, reconciler, statuses } = wireControlPlane({
  store,
  github,
  access,
  signingKey: config.signingKey,
  gitSsh: config.gitSsh,
  config: { ...config, local: false },
  logger,
});

const server = serve({ fetch: app.fetch, port: config.port }, (info) =>
  logger.info({ port: info.port }, 'control plane listening'),
);
const timer = setInterval(() => {
  reconciler.pass().catch((error: unknown) => logger.error({ err: error }, 'reconciler pass failed'));
}, 5000);
void reconciler.pass();
// GitHub hears how each run stands: every second the reporter reads the runs due for a look.
let reporting = false;
const statusTimer = setInterval(() => {
  if (reporting) return;
  reporting = true;
  statuses
    .pass()
    .catch((error: unknown) => logger.error({ err: error }, 'status pass failed'))
    .finally(() => {
      reporting = false;
    });
}, 1000);

process.on('SIGTERM', () => {
  clearInterval(timer);
  clearInterval(statusTimer);
  server.close(async () => {
    await builds.idle();
    store.close();
    process.exit(0);
  });
});
