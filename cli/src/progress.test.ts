import type { RunResult, StepResult } from '@dockercise/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveView, type Terminal, viewLines } from './progress.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what it strips
const strip = (text: string): string => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

function run(steps: Array<Partial<StepResult> & { name: string }>): RunResult {
  return {
    version: 1,
    runId: 'r',
    pipeline: 'p',
    status: 'running',
    startedAt: '2026-11-27T00:00:00.000Z',
    steps: steps.map((s) => ({ status: 'pending', image: 'x', log: '', secret: false, ...s })),
    gates: [],
  };
}

describe('the live view', () => {
  afterEach(() => vi.useRealTimers());

  it('tells an allowed failure from a failure, and says which filter skipped a step', () => {
    const result = run([
      { name: 'lint', status: 'failed', allowedFailure: true, error: 'run exited with code 1' },
      { name: 'test', status: 'failed', error: 'run exited with code 1' },
      {
        name: 'docs',
        status: 'skipped',
        skipReason: 'filtered',
        error: 'skipped: when.branch: dev matches none of main',
      },
      { name: 'ship', status: 'skipped', error: 'skipped: test failed' },
    ]);
    const lines = viewLines(result, 200, 23, 0).map((l) => strip(l.text).replace(/\s+/g, ' ').trim());
    expect(lines).toEqual([
      '⚠ failed (allowed) lint run exited with code 1',
      '✘ failed test run exited with code 1',
      '↷ skipped docs skipped: when.branch: dev matches none of main',
      '↷ skipped ship',
    ]);
  });

  it('cuts every line to the terminal width', () => {
    const result = run([{ name: 'build', status: 'failed', error: `run exited: ${'x'.repeat(250)}` }]);
    const [line] = viewLines(result, 80, 23, 0);
    expect(line?.length).toBe(79);
    expect(strip(line?.text ?? '')).toHaveLength(79);
    expect(strip(line?.text ?? '').endsWith('…')).toBe(true);
  });

  it('fits a long pipeline to the terminal height, running and failed steps first, the rest summed up', () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({
      name: `step-${i}`,
      status: (i < 28
        ? 'succeeded'
        : i === 30
          ? 'running'
          : i === 35
            ? 'failed'
            : 'pending') as StepResult['status'],
    }));
    const lines = viewLines(run(steps), 80, 10, 0).map((l) => strip(l.text));
    expect(lines).toHaveLength(10);
    expect(lines.slice(0, 9).some((l) => l.includes('step-30'))).toBe(true);
    expect(lines.slice(0, 9).some((l) => l.includes('step-35'))).toBe(true);
    expect(lines[9]).toBe(' … 31 more steps: 21 succeeded, 10 pending');
  });

  it('moves up by the rows its last lines take at the width now, after a resize', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    let onResize: () => void = () => {};
    const terminal: Terminal = {
      columns: 100,
      rows: 24,
      write: (text) => writes.push(text) > 0,
      on: (_event, listener) => {
        onResize = listener;
      },
      off: () => {},
    };
    const view = new LiveView(terminal);
    view.update(
      run([
        { name: 'a', status: 'failed', error: 'e'.repeat(200) },
        { name: 'b', status: 'failed', error: 'e'.repeat(200) },
      ]),
    );
    vi.advanceTimersByTime(200);
    expect(writes[0]?.startsWith('\x1b[')).toBe(false);
    // Two lines of 99 columns: at 50 columns the terminal wrapped each onto two rows.
    terminal.columns = 50;
    onResize();
    expect(writes[1]?.startsWith('\x1b[4A\x1b[J')).toBe(true);
    vi.advanceTimersByTime(200);
    expect(writes[2]?.startsWith('\x1b[2A\x1b[J')).toBe(true);
    view.stop();
  });
});
