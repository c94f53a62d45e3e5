import { MessageChannel, Worker } from 'node:worker_threads';
import type { Logger } from '@dockercise/shared';
import type { Builds } from '../builds/build-queue.js';
import type { Store } from '../store/store.js';
import { serveStore } from './store-bridge.js';

/** How long to wait before starting a background thread that died, doubling to a minute. */
const RESTART_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];

/**
 * Builds on a thread of their own (background/worker.ts): the webhook answers at once and only
 * tells the thread there is work; the thread claims the replica's builds from the store and builds
 * and sends them, and runs the reconciler and the status reporter. Reading GitHub, compiling and
 * signing never wait on the accept path's event loop. A thread that dies is started again.
 */
export class WorkerBuilds implements Builds {
  private worker: Worker | undefined;
  private closing = false;
  private restarts = 0;
  private pending = false;

  constructor(
    private readonly script: URL,
    private readonly replica: string,
    private readonly logger: Logger,
    /** The process's store, lent to the thread (SQLite's one connection); else the thread opens its own. */
    private readonly lend?: Store,
  ) {
    this.start();
  }

  enqueue(): void {
    // Many deliveries in a moment are one message: the thread claims every build waiting.
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.worker?.postMessage('build');
    });
  }

  /** Nothing is queued here: the thread's own queue is its to drain. */
  async idle(): Promise<void> {}

  /** Lets the thread finish the builds under way, then ends it. */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
    });
  }

  private start(): void {
    let worker: Worker;
    if (this.lend) {
      const { port1, port2 } = new MessageChannel();
      serveStore(port1, this.lend);
      worker = new Worker(this.script, {
        workerData: { replica: this.replica, storePort: port2 },
        transferList: [port2],
      });
      worker.once('exit', () => port1.close());
    } else worker = new Worker(this.script, { workerData: { replica: this.replica } });
    this.worker = worker;
    worker.on('message', (message: unknown) => {
      if (message === 'ready') this.restarts = 0;
    });
    worker.on('error', (error) => this.logger.error({ err: error }, 'the background thread failed'));
    worker.on('exit', (code) => {
      this.worker = undefined;
      if (this.closing) return;
      const wait = RESTART_MS[Math.min(this.restarts++, RESTART_MS.length - 1)] ?? 60_000;
      this.logger.error({ code, restartInMs: wait }, 'the background thread ended; starting it again');
      setTimeout(() => this.start(), wait).unref();
    });
  }
}
