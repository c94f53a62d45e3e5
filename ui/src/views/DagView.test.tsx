import type { RunGraph, StepResult } from '@dockercise/shared';
import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { DagView, type Selection } from './DagView.js';

const step = (name: string, status: StepResult['status']): StepResult => ({
  name,
  status,
  image: 'busybox',
  log: `logs/${name}.log`,
  secret: false,
});

describe('DagView', () => {
  it('draws steps and gates with their status, for eyes and for screen readers', () => {
    const graph: RunGraph = {
      steps: [
        { name: 'build', needs: [] },
        { name: 'test', needs: ['build'] },
        { name: 'ship', needs: ['test'], gate: 'deploy.dockercise.yaml' },
      ],
      gates: [{ name: 'deploy.dockercise.yaml' }],
    };
    const view = render(() => (
      <DagView
        graph={graph}
        steps={[step('build', 'succeeded'), step('test', 'running'), step('ship', 'waiting-approval')]}
        gates={[{ name: 'deploy.dockercise.yaml', status: 'waiting' }]}
        onSelect={() => {}}
      />
    ));
    const nodes = view.getAllByRole('button', { name: /^(step|approval gate) / });
    expect(nodes.map((n) => n.getAttribute('aria-label'))).toEqual([
      'step build: succeeded',
      'step test: running',
      'approval gate deploy.dockercise.yaml: waiting for a person',
      'step ship: waiting for approval',
    ]);
    expect(
      view.container.querySelector('[data-node="step:test"]')?.classList.contains('status-running'),
    ).toBe(true);
    expect(view.container.querySelectorAll('path.edge')).toHaveLength(3);
    expect(view.getByRole('group').getAttribute('aria-label')).toBe(
      'Pipeline graph: 3 steps, 1 approval gates',
    );
  });

  it('selects a node by click, and by Enter or Space from the keyboard', () => {
    const picked: Selection[] = [];
    const view = render(() => (
      <DagView
        graph={{
          steps: [
            { name: 'a', needs: [] },
            { name: 'b', needs: ['a'] },
          ],
          gates: [],
        }}
        steps={[step('a', 'succeeded'), step('b', 'failed')]}
        gates={[]}
        selected={{ kind: 'step', name: 'b' }}
        onSelect={(s) => picked.push(s)}
      />
    ));
    fireEvent.click(view.getByRole('button', { name: 'step a: succeeded' }));
    fireEvent.keyDown(view.getByRole('button', { name: 'step b: failed' }), { key: 'Enter' });
    fireEvent.keyDown(view.getByRole('button', { name: 'step a: succeeded' }), { key: ' ' });
    expect(picked).toEqual([
      { kind: 'step', name: 'a' },
      { kind: 'step', name: 'b' },
      { kind: 'step', name: 'a' },
    ]);
    expect(view.getByRole('button', { name: 'step b: failed' }).getAttribute('aria-pressed')).toBe('true');
    expect(view.getByRole('button', { name: 'step b: failed' }).getAttribute('tabindex')).toBe('0');
  });

  it('renders a 200-step run, every node and edge of it', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({
      name: `step-${i}`,
      needs: i < 20 ? [] : [`step-${i - 20}`],
    }));
    const view = render(() => (
      <DagView
        graph={{ steps, gates: [] }}
        steps={steps.map((s, i) => step(s.name, i < 150 ? 'succeeded' : 'running'))}
        gates={[]}
        onSelect={() => {}}
      />
    ));
    expect(view.container.querySelectorAll('[data-node]')).toHaveLength(200);
    expect(view.container.querySelectorAll('path.edge')).toHaveLength(180);
    expect(view.container.querySelectorAll('.node.status-running')).toHaveLength(50);
  });

  it('zooms with its buttons and keeps the zoom within bounds', () => {
    const view = render(() => (
      <DagView
        graph={{ steps: [{ name: 'a', needs: [] }], gates: [] }}
        steps={[]}
        gates={[]}
        onSelect={() => {}}
      />
    ));
    const layer = (): string => view.container.querySelector('svg > g')?.getAttribute('transform') ?? '';
    const scale = (): number => Number(/scale\(([\d.]+)\)/.exec(layer())?.[1]);
    const before = scale();
    fireEvent.click(view.getByRole('button', { name: 'Zoom in' }));
    expect(scale()).toBeCloseTo(before * 1.25);
    for (let i = 0; i < 30; i++) fireEvent.click(view.getByRole('button', { name: 'Zoom out' }));
    expect(scale()).toBeCloseTo(0.15);
  });

  it('opens an eight-node graph readable and whole in a page-wide frame', () => {
    const names = ['code', 'deps', 'build', 'test', 'package', 'scan', 'ship'];
    const graph: RunGraph = {
      steps: names.map((name, i) => ({
        name,
        needs: i === 0 ? [] : [names[i - 1] as string],
        ...(name === 'ship' ? { gate: 'deploy.dockercise.yaml' } : {}),
      })),
      gates: [{ name: 'deploy.dockercise.yaml' }],
    };
    const width = 1240;
    const original = HTMLElement.prototype.getBoundingClientRect;
    HTMLElement.prototype.getBoundingClientRect = () => ({ width, height: 400, left: 0, top: 0 }) as DOMRect;
    try {
      const view = render(() => <DagView graph={graph} steps={[]} gates={[]} onSelect={() => {}} />);
      const transform = view.container.querySelector('svg > g')?.getAttribute('transform') ?? '';
      const [, x, , k] = /translate\(([-\d.]+),([-\d.]+)\) scale\(([\d.]+)\)/.exec(transform) ?? [];
      expect(Number(k)).toBeGreaterThanOrEqual(0.7);
      const right = Math.max(
        ...[...view.container.querySelectorAll('[data-node]')].map((node) => {
          const [, nx] = /translate\(([-\d.]+),/.exec(node.getAttribute('transform') ?? '') ?? [];
          return Number(nx) + 168;
        }),
      );
      expect(Number(x)).toBeGreaterThanOrEqual(0);
      expect(Number(x) + right * Number(k)).toBeLessThanOrEqual(width);
      view.unmount();
    } finally {
      HTMLElement.prototype.getBoundingClientRect = original;
    }
  });

  it('draws a failure the pipeline allows in amber, and says so to screen readers', () => {
    const view = render(() => (
      <DagView
        graph={{ steps: [{ name: 'lint', needs: [] }], gates: [] }}
        steps={[{ ...step('lint', 'failed'), allowedFailure: true }]}
        gates={[]}
        onSelect={() => {}}
      />
    ));
    const node = view.getByRole('button', { name: 'step lint: failed (allowed to fail)' });
    expect(node.classList.contains('allowed')).toBe(true);
    view.unmount();
  });
});
