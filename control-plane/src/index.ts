import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { WorkerBuilds } from './background/worker-builds.js';
import { newReplicaId } from './builds/claims.js';
import { loadConfig } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { isPostgresUrl, openStore } from './store/open-store.js';
import { partsFromConfig, wireAccepting, wireDispatch } from './wire.js';

/**
 * Serves the control plane: wiring only. Everything it serves is in createApp; builds, the
 * reconciler and the status reporter run on a thread of their own (background/worker.ts), so the
 * webhook's accept path never waits on them. Any number of these processes may share one
 * PostgreSQL database: they share the work through it.
 */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(78);
}
const logger = pino({ name: 'dockercise-control-plane' });
const replica = newReplicaId();
const store = await openStore(config.database, new SecretBox(config.storeSecret)).catch((error: unknown) => {
  process.stderr.write(`the control plane cannot open its database: ${(error as Error).message}\n`);
  process.exit(69);
});
const builds = new WorkerBuilds(
  new URL('./background/worker.js', import.meta.url),
  replica,
  logger,
  // SQLite's file keeps one connection, this one; PostgreSQL's thread has a pool of its own.
  isPostgresUrl(config.database) ? undefined : store,
);
const parts = partsFromConfig(config, store, logger, replica);
const dispatch = wireDispatch(parts);
const { app } = wireAccepting({ ...parts, builds }, dispatch);

const server = serve({ fetch: app.fetch, port: config.port }, (info) =>
  logger.info({ port: info.port, replica }, 'control plane listening'),
);

process.on('SIGTERM', () => {
  server.close(async () => {
    await builds.close();
    dispatch.capacity.close();
    await store.close();
    process.exit(0);
  });
});
