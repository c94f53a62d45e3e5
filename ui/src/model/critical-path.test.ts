import type { StepResult } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { compressedAxis, timelineOf } from './critical-path.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const step = (name: string, start: number, end?: number): StepResult => ({
  name,
  status: end === undefined ? 'running' : 'succeeded',
  image: 'busybox',
  log: `logs/${name}.log`,
  secret: false,
  startedAt: new Date(T0 + start).toISOString(),
  ...(end !== undefined ? { endedAt: new Date(T0 + end).toISOString() } : {}),
});

describe('timelineOf', () => {
  it('follows, from the last step to end, the need that ended last', () => {
    const timeline = timelineOf(
      [step('fetch', 0, 1000), step('lint', 1000, 1500), step('build', 1000, 4000), step('ship', 4000, 5000)],
      {
        steps: [
          { name: 'fetch', needs: [] },
          { name: 'lint', needs: ['fetch'] },
          { name: 'build', needs: ['fetch'] },
          { name: 'ship', needs: ['lint', 'build'] },
        ],
        gates: [],
      },
      T0 + 9000,
    );
    expect([...timeline.critical]).toEqual(['ship', 'build', 'fetch']);
    expect(timeline.span).toBe(5000);
    expect(timeline.bars.map((b) => [b.name, b.start, b.end])).toEqual([
      ['fetch', 0, 1000],
      ['build', 1000, 4000],
      ['lint', 1000, 1500],
      ['ship', 4000, 5000],
    ]);
  });

  it('draws a running step up to now, and leaves out steps that never started', () => {
    const pending: StepResult = {
      name: 'later',
      status: 'pending',
      image: 'busybox',
      log: 'x',
      secret: false,
    };
    const timeline = timelineOf([step('slow', 0), pending], undefined, T0 + 2500);
    expect(timeline.bars).toEqual([{ name: 'slow', status: 'running', start: 0, end: 2500, running: true }]);
  });
});

describe('compressedAxis', () => {
  it('draws an hour at a gate as a short break, and the steps around it at their true proportions', () => {
    const hour = 3_600_000;
    const timeline = timelineOf(
      [step('build', 0, 2000), step('test', 2000, 4000), step('ship', 4000 + hour, 6000 + hour)],
      undefined,
      T0 + 7000 + hour,
    );
    const axis = compressedAxis(timeline);
    expect(axis.gaps).toEqual([{ start: 4000, end: 4000 + hour }]);
    // Busy 6 s, the break drawn as 4% of it: 6.24 s of axis in all.
    expect(axis.at(2000)).toBeCloseTo(2000 / 6240);
    expect(axis.at(4000)).toBeCloseTo(4000 / 6240);
    expect(axis.at(4000 + hour)).toBeCloseTo(4240 / 6240);
    expect(axis.at(6000 + hour)).toBe(1);
  });

  it('leaves short pauses as they are', () => {
    const timeline = timelineOf([step('a', 0, 2000), step('b', 3000, 9000)], undefined, T0 + 9000);
    const axis = compressedAxis(timeline);
    expect(axis.gaps).toEqual([]);
    expect(axis.at(3000)).toBeCloseTo(3000 / 9000);
  });
});
