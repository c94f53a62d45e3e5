import { describe, expect, it } from 'vitest';
import type { JobQueue, QueuedJob } from '../backend/job-queue.js';
import { holdLease } from './lease.js';

describe('holdLease', () => {
  it('waits, when stopped, for an extension on its way, so a release that follows lands after it', async () => {
    const calls: string[] = [];
    let finish: () => void = () => {};
    const queue = {
      extend: () => {
        calls.push('extend sent');
        return new Promise<void>((resolve) => {
          finish = () => {
            calls.push('extend done');
            resolve();
          };
        });
      },
    } as unknown as JobQueue;
    const lease = holdLease(queue, {} as QueuedJob, 60, () => {});
    const stopped = lease.stop().then(() => calls.push('stopped'));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual(['extend sent']);
    finish();
    await stopped;
    expect(calls).toEqual(['extend sent', 'extend done', 'stopped']);
  });
});
