import type { MessagePort } from 'node:worker_threads';
import { type Store, StoreUnavailableError } from '../store/store.js';

/**
 * The store of the process, lent to its background thread over a message port. With SQLite the
 * file has one connection, the accept path's: two connections would take turns at its write lock
 * by sleeping and retrying, and under a burst of webhooks each would starve the other. The thread
 * asks; the process's thread runs the statement (microseconds) and answers.
 */
type Request = { id: number; method: keyof Store; args: unknown[] };
type Answer = { id: number; value?: unknown; error?: { name: string; message: string } };

export function serveStore(port: MessagePort, store: Store): void {
  port.on('message', async ({ id, method, args }: Request) => {
    try {
      const call = store[method] as (...a: unknown[]) => Promise<unknown>;
      port.postMessage({ id, value: await call.apply(store, args) } satisfies Answer);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id, error: { name, message } } satisfies Answer);
    }
  });
}

/** The thread's side: every method a request to the process's store; closing it is the process's. */
export function borrowedStore(port: MessagePort): Store {
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  port.on('message', ({ id, value, error }: Answer) => {
    const call = waiting.get(id);
    waiting.delete(id);
    if (!call) return;
    if (!error) return call.resolve(value);
    call.reject(
      error.name === 'StoreUnavailableError'
        ? new StoreUnavailableError(error.message)
        : Object.assign(new Error(error.message), { name: error.name }),
    );
  });
  const ask = (method: keyof Store, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      port.postMessage({ id, method, args } satisfies Request);
    });
  return new Proxy({} as Store, {
    get: (_target, method) => {
      if (method === 'close') return async () => port.close();
      if (method === 'then') return undefined; // not a promise itself
      return (...args: unknown[]) => ask(method as keyof Store, args);
    },
  });
}
