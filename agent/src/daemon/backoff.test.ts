import { describe, expect, it } from 'vitest';
import { Backoff, sleep } from './backoff.js';

describe('Backoff', () => {
  it('doubles its cap up to the maximum, with full jitter', () => {
    const top = new Backoff(1000, 8000, () => 0.999999);
    expect([top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    const half = new Backoff(1000, 8000, () => 0.5);
    expect([half.next(), half.next()]).toEqual([500, 1000]);
  });

  it('never waits zero, so a failing call cannot spin', () => {
    expect(new Backoff(1000, 8000, () => 0).next()).toBe(100);
  });

  it('starts over after a success', () => {
    const b = new Backoff(1000, 8000, () => 0.999999);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('sleep ends early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
