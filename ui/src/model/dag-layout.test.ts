import type { RunGraph } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './dag-layout.js';

const graph = (steps: RunGraph['steps'], gates: string[] = []): RunGraph => ({
  steps,
  gates: gates.map((name) => ({ name })),
});

describe('layoutGraph', () => {
  it('puts every step one layer right of the furthest thing it waits for', () => {
    const layout = layoutGraph(
      graph([
        { name: 'a', needs: [] },
        { name: 'b', needs: ['a'] },
        { name: 'c', needs: ['a', 'b'] },
        { name: 'd', needs: [] },
      ]),
    );
    const layer = Object.fromEntries(layout.nodes.map((n) => [n.name, n.layer]));
    expect(layer).toEqual({ a: 0, b: 1, c: 2, d: 0 });
    for (const edge of layout.edges) {
      const from = layout.nodes.find((n) => n.id === edge.from);
      const to = layout.nodes.find((n) => n.id === edge.to);
      expect(from && to && from.x < to.x).toBe(true);
    }
  });

  it('draws a gate between what its steps wait for outside their file and the steps', () => {
    const layout = layoutGraph(
      graph(
        [
          { name: 'build', needs: [] },
          { name: 'ship', needs: ['build'], gate: 'deploy.dockercise.yaml' },
          { name: 'notify', needs: ['ship'], gate: 'deploy.dockercise.yaml' },
        ],
        ['deploy.dockercise.yaml'],
      ),
    );
    expect(layout.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      'gate:deploy.dockercise.yaml->step:notify',
      'gate:deploy.dockercise.yaml->step:ship',
      'step:build->gate:deploy.dockercise.yaml',
      'step:ship->step:notify',
    ]);
    const layer = Object.fromEntries(layout.nodes.map((n) => [n.id, n.layer]));
    expect(layer).toMatchObject({ 'step:build': 0, 'gate:deploy.dockercise.yaml': 1, 'step:ship': 2 });
  });

  it('orders a layer by its neighbours, so parallel chains do not cross', () => {
    // Two chains whose heads are listed in the opposite order to their tails.
    const layout = layoutGraph(
      graph([
        { name: 'a1', needs: [] },
        { name: 'b1', needs: [] },
        { name: 'b2', needs: ['b1'] },
        { name: 'a2', needs: ['a1'] },
      ]),
    );
    const y = Object.fromEntries(layout.nodes.map((n) => [n.name, n.y]));
    expect(Math.sign((y.a1 ?? 0) - (y.b1 ?? 0))).toBe(Math.sign((y.a2 ?? 0) - (y.b2 ?? 0)));
  });

  it('lays out 200 steps with no two nodes overlapping', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({
      name: `s${i}`,
      needs:
        i < 10
          ? []
          : [`s${i - 10}`, `s${(i * 7) % (i - (i % 10))}`].filter((v, k, all) => all.indexOf(v) === k),
    }));
    const started = performance.now();
    const layout = layoutGraph(graph(steps));
    expect(performance.now() - started).toBeLessThan(200);
    expect(layout.nodes).toHaveLength(200);
    const boxes = layout.nodes.map((n) => ({ x: n.x, y: n.y }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i] as { x: number; y: number };
        const b = boxes[j] as { x: number; y: number };
        const apart = Math.abs(a.x - b.x) >= NODE_WIDTH || Math.abs(a.y - b.y) >= NODE_HEIGHT;
        expect(apart).toBe(true);
      }
    expect(layout.width).toBeGreaterThan(0);
  });
});
