import { describe, expect, it } from 'vitest';
import { MemoryJobQueue } from './memory-job-queue.js';

const never = new AbortController().signal;

describe('MemoryJobQueue', () => {
  it('delivers a sent job, hides it while leased, and deletes it for good', async () => {
    const queue = new MemoryJobQueue();
    queue.send('job-1');
    const [job] = await queue.receive(5, 0, never);
    expect(job).toMatchObject({ body: 'job-1', receiveCount: 1 });
    expect(await queue.receive(5, 0, never)).toEqual([]);
    await queue.delete(job as NonNullable<typeof job>);
    expect(queue.size).toBe(0);
  });

  it('wakes a waiting receiver as soon as a job is sent', async () => {
    const queue = new MemoryJobQueue();
    const started = Date.now();
    const received = queue.receive(1, 20, never);
    setTimeout(() => queue.send('late'), 50);
    expect((await received).map((j) => j.body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('returns empty when the wait ends or the receiver is aborted', async () => {
    const queue = new MemoryJobQueue();
    expect(await queue.receive(1, 0.05, never)).toEqual([]);
    const stop = new AbortController();
    const received = queue.receive(1, 20, stop.signal);
    stop.abort();
    expect(await received).toEqual([]);
  });

  it('offers a released job again after its delay, and a stale receipt can no longer touch it', async () => {
    let now = 1000;
    const queue = new MemoryJobQueue(() => now);
    queue.send('job');
    const [first] = await queue.receive(1, 0, never);
    if (!first) throw new Error('no job');
    await queue.release(first, 5);
    expect(await queue.receive(1, 0, never)).toEqual([]);
    now += 5000;
    const [second] = await queue.receive(1, 0, never);
    expect(second).toMatchObject({ body: 'job', receiveCount: 2 });
    await queue.delete(first);
    expect(queue.size).toBe(1);
  });

  it('takes no more than asked, and moves a refused job to the dead letters with its reason', async () => {
    const queue = new MemoryJobQueue();
    for (const body of ['a', 'b', 'c']) queue.send(body);
    const jobs = await queue.receive(2, 0, never);
    expect(jobs.map((j) => j.body)).toEqual(['a', 'b']);
    await queue.deadLetter(jobs[0] as NonNullable<(typeof jobs)[0]>, 'unsigned');
    expect(queue.deadLetters).toEqual([{ messageId: jobs[0]?.messageId, body: 'a', reason: 'unsigned' }]);
    expect(queue.size).toBe(2);
  });
});
