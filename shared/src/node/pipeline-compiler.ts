import { Worker } from 'node:worker_threads';
import type { CompileResult, PipelineSource } from '../pipeline/compile.js';

/**
 * The thread's file, beside this one once built. Run from source (the test projects alias the
 * package to src/), a thread cannot load TypeScript, so it runs the build of the same file.
 */
const WORKER_FILE = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/node/compile-worker.js', import.meta.url)
  : new URL('./compile-worker.js', import.meta.url);

interface Request {
  id: number;
  sources: PipelineSource[];
  resolve(result: CompileResult): void;
}

/**
 * Compiles pipelines on a thread of their own, one at a time, each within a time limit: a server
 * compiling every tenant's pushes keeps its event loop for requests, and a pipeline that takes too
 * long fails alone (the thread is replaced) instead of stalling everyone.
 */
export class PipelineCompiler {
  private worker: Worker | undefined;
  private readonly queue: Request[] = [];
  private current: { request: Request; timer: NodeJS.Timeout } | undefined;
  private nextId = 0;
  /** A thread is loading: requests wait for it. */
  private starting = false;

  constructor(private readonly timeLimitMs = 10_000) {}

  compile(sources: readonly PipelineSource[]): Promise<CompileResult> {
    return new Promise((resolve) => {
      this.queue.push({ id: ++this.nextId, sources: [...sources], resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private pump(): void {
    if (this.current || this.starting) return;
    const request = this.queue[0];
    if (!request) {
      this.worker?.unref();
      return;
    }
    if (!this.worker) {
      this.spawn();
      return; // pumped again once the thread is loaded
    }
    this.queue.shift();
    const worker = this.worker;
    worker.ref();
    const timer = setTimeout(() => {
      this.finish(request.id, {
        ok: false,
        diagnostics: [
          {
            file: '.',
            line: 1,
            col: 1,
            message: `the pipeline took longer than ${this.timeLimitMs / 1000} s to compile`,
            hint: 'make it smaller: a pipeline may have at most 500 steps in 1 MiB of files',
          },
        ],
      });
      // The thread may be stuck: a fresh one takes the next request.
      void worker.terminate();
      if (this.worker === worker) this.worker = undefined;
      this.pump();
    }, this.timeLimitMs);
    this.current = { request, timer };
    worker.postMessage({ id: request.id, sources: request.sources });
  }

  private spawn(): void {
    const worker = new Worker(WORKER_FILE);
    this.starting = true;
    worker.on('message', (answer: { ready: true } | { id: number; result: CompileResult }) => {
      if ('ready' in answer) {
        this.starting = false;
        this.worker = worker;
      } else {
        this.finish(answer.id, answer.result);
      }
      this.pump();
    });
    worker.on('error', (error) => {
      const failure: CompileResult = {
        ok: false,
        diagnostics: [{ file: '.', line: 1, col: 1, message: `the compiler failed: ${error.message}` }],
      };
      if (this.worker === worker) this.worker = undefined;
      if (this.starting) {
        // A thread that cannot even load fails the request it was started for, not all of them
        // in a loop: each request gets its own try.
        this.starting = false;
        this.queue.shift()?.resolve(failure);
      } else if (this.current) {
        this.finish(this.current.request.id, failure);
      }
      this.pump();
    });
  }

  private finish(id: number, result: CompileResult): void {
    if (this.current?.request.id !== id) return;
    clearTimeout(this.current.timer);
    this.current.request.resolve(result);
    this.current = undefined;
  }
}
