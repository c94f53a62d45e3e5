import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { tick } from '../test-support.js';
import { ApiError } from './client.js';
import { poll } from './poll.js';

describe('poll', () => {
  it('loads again while `next` asks to, and stops when it does not', async () => {
    let loads = 0;
    const dispose = createRoot((dispose) => {
      poll(
        async () => ++loads,
        (n) => (n < 3 ? 10 : undefined),
      );
      return dispose;
    });
    await tick(150);
    expect(loads).toBe(3);
    dispose();
  });

  it('retries when the control plane is unreachable, keeping the last data, but not after a 404', async () => {
    let calls = 0;
    let polled: ReturnType<typeof poll<number>> | undefined;
    const dispose = createRoot((dispose) => {
      polled = poll(
        async () => {
          calls += 1;
          if (calls === 2) throw new ApiError('unreachable', 'down');
          return calls;
        },
        () => 10,
      );
      return dispose;
    });
    await tick(30);
    expect(polled?.error()?.kind).toBe('unreachable');
    expect(polled?.data()).toBe(1);
    await tick(1100);
    expect(polled?.error()).toBeUndefined();
    expect(polled?.data()).toBeGreaterThanOrEqual(3);
    dispose();

    let missing = 0;
    const stop = createRoot((dispose) => {
      poll(
        async () => {
          missing += 1;
          throw new ApiError('not-found', 'no such run');
        },
        () => 10,
      );
      return dispose;
    });
    await tick(100);
    expect(missing).toBe(1);
    stop();
  });

  it('stops when its owner is disposed', async () => {
    let loads = 0;
    const dispose = createRoot((dispose) => {
      poll(
        async () => ++loads,
        () => 10,
      );
      return dispose;
    });
    await tick(35);
    dispose();
    const settled = loads;
    await tick(60);
    expect(loads).toBe(settled);
  });
});
