import type { RunGraph } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { type Layout, layoutGraph, NODE_HEIGHT, NODE_WIDTH, widthOf } from './dag-layout.js';

const graph = (steps: RunGraph['steps'], gates: string[] = []): RunGraph => ({
  steps,
  gates: gates.map((name) => ({ name })),
});

/** Points along an edge's SVG path (M, C and L commands), close enough to find a box it enters. */
function pointsOf(path: string): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const commands = path.match(/[MCL][^MCL]*/g) ?? [];
  let at: [number, number] = [0, 0];
  for (const command of commands) {
    const numbers = (command.slice(1).match(/-?[\d.]+/g) ?? []).map(Number);
    if (command[0] === 'M') at = [numbers[0] ?? 0, numbers[1] ?? 0];
    else if (command[0] === 'L') {
      const to: [number, number] = [numbers[0] ?? 0, numbers[1] ?? 0];
      for (let t = 0; t <= 1; t += 0.05)
        points.push([at[0] + (to[0] - at[0]) * t, at[1] + (to[1] - at[1]) * t]);
      at = to;
    } else {
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0, x = 0, y = 0] = numbers;
      for (let t = 0; t <= 1; t += 0.02) {
        const u = 1 - t;
        points.push([
          u * u * u * at[0] + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x,
          u * u * u * at[1] + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y,
        ]);
      }
      at = [x, y];
    }
  }
  return points;
}

/** Each edge that passes through a box other than its own two ends. */
function edgesThroughBoxes(layout: Layout): string[] {
  const crossings: string[] = [];
  for (const edge of layout.edges)
    for (const node of layout.nodes) {
      if (node.id === edge.from || node.id === edge.to) continue;
      const inside = pointsOf(edge.path).some(
        ([x, y]) =>
          x > node.x + 1 && x < node.x + widthOf(node) - 1 && y > node.y + 1 && y < node.y + NODE_HEIGHT - 1,
      );
      if (inside) crossings.push(`${edge.from} -> ${edge.to} through ${node.id}`);
    }
  return crossings;
}

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

  it('runs a long edge between the boxes of the columns it crosses, never through one', () => {
    // A chain a -> b -> c -> d, and d waits for a too: drawn straight, a -> d would run through b
    // and c, which stand in its row.
    const chain = layoutGraph(
      graph([
        { name: 'a', needs: [] },
        { name: 'b', needs: ['a'] },
        { name: 'c', needs: ['b'] },
        { name: 'd', needs: ['a', 'c'] },
      ]),
    );
    expect(edgesThroughBoxes(chain)).toEqual([]);
    // And where the columns it crosses are full on both sides of its lane.
    const crowded = layoutGraph(
      graph([
        { name: 'a', needs: [] },
        { name: 'b', needs: ['a'] },
        { name: 'x1', needs: ['a'] },
        { name: 'c', needs: ['b'] },
        { name: 'x2', needs: ['x1'] },
        { name: 'd', needs: ['a', 'c', 'x2'] },
      ]),
    );
    expect(edgesThroughBoxes(crowded)).toEqual([]);
  });

  it('fits a 9-step pipeline with a gate in a 1400-pixel page, no edge through a box', () => {
    const layout = layoutGraph(
      graph(
        [
          { name: 'checkout', needs: [] },
          { name: 'lint', needs: ['checkout'] },
          { name: 'test', needs: ['checkout'] },
          { name: 'build', needs: ['checkout'] },
          { name: 'package', needs: ['build', 'test'] },
          { name: 'deploy', needs: ['package', 'lint'], gate: 'deploy.dockercise.yaml' },
          { name: 'smoke', needs: ['deploy'], gate: 'deploy.dockercise.yaml' },
          { name: 'notify', needs: ['smoke'], gate: 'deploy.dockercise.yaml' },
          { name: 'docs', needs: ['checkout'] },
        ],
        ['deploy.dockercise.yaml'],
      ),
    );
    expect(layout.width).toBeLessThanOrEqual(1400);
    expect(edgesThroughBoxes(layout)).toEqual([]);
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
