import type { Plan, PlanStep } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { planStep } from './plan.fixture.js';
import { RunGraph } from './run-graph.js';

function step(name: string, needs: string[] = [], gate?: string): PlanStep {
  return planStep(name, { needs, ...(gate ? { gate } : {}) });
}

function plan(...steps: PlanStep[]): Plan {
  const gates = [...new Set(steps.flatMap((s) => (s.gate ? [s.gate] : [])))].map((name) => ({
    name,
    source: { file: name, line: 1, col: 1 },
  }));
  return { version: 1, steps, gates };
}

describe('RunGraph', () => {
  const diamond = plan(step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c']), step('e'));

  it('starts steps whose needs have succeeded', () => {
    const g = new RunGraph(diamond, () => true);
    expect(g.ready().map((s) => s.name)).toEqual(['a', 'e']);
    g.start('a');
    g.finish('a', 'succeeded');
    expect(g.ready().map((s) => s.name)).toEqual(['b', 'c', 'e']);
  });

  it('skips everything after a failed step, and lets independent branches go on', () => {
    const g = new RunGraph(diamond, () => true);
    g.start('a');
    expect(g.finish('a', 'failed').sort()).toEqual(['b', 'c', 'd']);
    expect(g.ready().map((s) => s.name)).toEqual(['e']);
    g.finish('e', 'succeeded');
    expect(g.outcome(false)).toBe('failed');
  });

  it('holds gated steps until their gate is approved', () => {
    const gated = plan(
      step('build'),
      step('deploy', ['build'], 'deploy.dockercise.yaml'),
      step('notify', ['deploy']),
    );
    const waiting = new RunGraph(gated, () => false);
    expect(waiting.status('deploy')).toBe('waiting-approval');
    waiting.finish('build', 'succeeded');
    expect(waiting.ready()).toEqual([]);
    expect(waiting.outcome(false)).toBe('waiting-approval');

    const approved = new RunGraph(gated, (g) => g === 'deploy.dockercise.yaml');
    approved.finish('build', 'succeeded');
    expect(approved.ready().map((s) => s.name)).toEqual(['deploy']);
  });

  it('skips a gated step whose need failed', () => {
    const g = new RunGraph(plan(step('a'), step('b', ['a'], 'gate')), () => false);
    expect(g.finish('a', 'timed-out')).toEqual(['b']);
    expect(g.outcome(false)).toBe('failed');
  });

  it('skips the steps still waiting at a gate once the run has failed', () => {
    const g = new RunGraph(plan(step('a'), step('b'), step('c', ['b'], 'gate')), () => false);
    g.finish('a', 'failed');
    g.finish('b', 'succeeded');
    expect(g.outcome(false)).toBe('failed');
    expect(g.skipWaiting()).toEqual(['c']);
    expect(g.status('c')).toBe('skipped');
  });

  it('cancels what has not started, and a cancel outweighs the failures it caused', () => {
    const g = new RunGraph(diamond, () => true);
    g.start('a');
    expect(g.cancelRemaining()).toEqual(['b', 'c', 'd', 'e']);
    g.finish('a', 'cancelled');
    expect(g.outcome(true)).toBe('cancelled');
  });

  it('carries succeeded steps of an earlier attempt', () => {
    const g = new RunGraph(
      diamond,
      () => true,
      new Map([
        ['a', 'succeeded'],
        ['b', 'failed'],
      ]),
    );
    expect(g.ready().map((s) => s.name)).toEqual(['b', 'c', 'e']);
  });
});
