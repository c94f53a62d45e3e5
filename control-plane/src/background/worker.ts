import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { openStore } from '../store/open-store.js';
import { partsFromConfig, wireBackground, wireDispatch } from '../wire.js';
import { startBackground } from './background.js';
import { borrowedStore } from './store-bridge.js';

/**
 * The control plane's background thread (see worker-builds.ts): builds what the webhooks on this
 * replica recorded, sends runs, finds stranded ones, and reports statuses. Wired from the same
 * settings as the process, with a store connection of its own.
 */
const { replica, storePort } = workerData as { replica: string; storePort?: MessagePort };
const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');
const config = loadConfig(process.env);
lowerPriority();
const logger = pino({ name: 'dockercise-control-plane', base: { thread: 'background' } });
// PostgreSQL: a pool of the thread's own. SQLite: the process's one connection, lent (store-bridge.ts).
const store = storePort
  ? borrowedStore(storePort)
  : await openStore(config.database, new SecretBox(config.storeSecret));
const parts = partsFromConfig(config, store, logger, replica);
const dispatch = wireDispatch(parts);
const cp = wireBackground(parts, dispatch);
const background = startBackground({
  reconciler: cp.reconciler,
  statuses: cp.statuses,
  logger,
  reconcileEveryMs: config.reconcileMs,
});

port.on('message', (message: unknown) => {
  // A webhook recorded a build: claim as many as there are free slots for.
  if (message === 'build') cp.builds.pull();
  else if (message === 'stop') {
    void (async () => {
      await background.stop();
      await cp.builds.close();
      dispatch.capacity.close();
      await cp.compiler.close();
      await store.close();
      process.exit(0);
    })();
  }
});
port.postMessage('ready');

/**
 * Builds wait; webhooks must be answered (GitHub gives up after 10 s). On Linux a thread has a
 * priority of its own (its id is in /proc/thread-self): this one, and the compiler thread it
 * starts, yield the CPU to the accept path. Elsewhere it keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(thread)) setPriority(thread, 10);
  } catch {
    // not Linux: nothing to do
  }
}
