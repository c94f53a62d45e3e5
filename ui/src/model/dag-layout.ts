import type { RunGraph } from '@dockercise/shared';

export interface LayoutNode {
  id: string;
  kind: 'step' | 'gate';
  name: string;
  layer: number;
  x: number;
  y: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  /** An SVG path from the right side of `from` to the left side of `to`. */
  path: string;
}

export interface Layout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 40;
export const GATE_SIZE = 40;
const LAYER_GAP = 56;
const ROW_GAP = 20;
const MARGIN = 16;
const SWEEPS = 4;

export const stepId = (name: string): string => `step:${name}`;
export const gateId = (name: string): string => `gate:${name}`;

/**
 * Lays the DAG out in layers, left to right: a node's layer is the longest path to it, so every
 * edge points right; within a layer nodes are ordered by the mean position of their neighbours
 * (a few sweeps each way), which keeps crossings down. A gate is drawn as its own node between what
 * its steps wait for outside their file and the steps themselves. Linear in nodes plus edges per
 * sweep: 200 steps take well under a millisecond.
 */
export function layoutGraph(graph: RunGraph): Layout {
  const preds = new Map<string, Set<string>>();
  const kinds = new Map<string, { kind: 'step' | 'gate'; name: string }>();
  const add = (id: string, kind: 'step' | 'gate', name: string): void => {
    kinds.set(id, { kind, name });
    if (!preds.has(id)) preds.set(id, new Set());
  };
  for (const gate of graph.gates) add(gateId(gate.name), 'gate', gate.name);
  for (const step of graph.steps) add(stepId(step.name), 'step', step.name);
  const gateOf = new Map(graph.steps.map((s) => [s.name, s.gate]));
  for (const step of graph.steps) {
    const into = preds.get(stepId(step.name)) as Set<string>;
    if (step.gate && kinds.has(gateId(step.gate))) into.add(gateId(step.gate));
    for (const need of step.needs) {
      if (!kinds.has(stepId(need))) continue;
      // A need from outside the step's gated file is drawn into the gate, not past it.
      if (step.gate && gateOf.get(need) !== step.gate && kinds.has(gateId(step.gate)))
        preds.get(gateId(step.gate))?.add(stepId(need));
      else into.add(stepId(need));
    }
  }

  const layerOf = new Map<string, number>();
  const visiting = new Set<string>();
  const layer = (id: string): number => {
    const known = layerOf.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle cannot reach here from a compiled plan; stay finite anyway
    visiting.add(id);
    let value = 0;
    for (const p of preds.get(id) ?? []) value = Math.max(value, layer(p) + 1);
    visiting.delete(id);
    layerOf.set(id, value);
    return value;
  };
  const ids = [...kinds.keys()];
  for (const id of ids) layer(id);

  const layers: string[][] = [];
  for (const id of ids) {
    const l = layerOf.get(id) ?? 0;
    const row = layers[l] ?? [];
    row.push(id);
    layers[l] = row;
  }
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [id, from] of preds) for (const p of from) succs.get(p)?.push(id);

  const position = new Map<string, number>();
  const index = (): void => {
    for (const row of layers) for (const [i, id] of row.entries()) position.set(id, i);
  };
  index();
  const reorder = (row: string[], neighbours: (id: string) => Iterable<string>): void => {
    const key = new Map<string, number>();
    for (const id of row) {
      let sum = 0;
      let count = 0;
      for (const n of neighbours(id)) {
        sum += position.get(n) ?? 0;
        count += 1;
      }
      key.set(id, count > 0 ? sum / count : (position.get(id) ?? 0));
    }
    row.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0));
    for (const [i, id] of row.entries()) position.set(id, i);
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (let l = 1; l < layers.length; l++) reorder(layers[l] ?? [], (id) => preds.get(id) ?? []);
    for (let l = layers.length - 2; l >= 0; l--) reorder(layers[l] ?? [], (id) => succs.get(id) ?? []);
  }

  const tallest = Math.max(1, ...layers.map((row) => row.length));
  const height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const nodes: LayoutNode[] = [];
  const byId = new Map<string, LayoutNode>();
  layers.forEach((row, l) => {
    const columnHeight = row.length * NODE_HEIGHT + (row.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    row.forEach((id, i) => {
      const info = kinds.get(id) as { kind: 'step' | 'gate'; name: string };
      const node: LayoutNode = {
        id,
        ...info,
        layer: l,
        x: MARGIN + l * (NODE_WIDTH + LAYER_GAP),
        y: top + i * (NODE_HEIGHT + ROW_GAP),
      };
      nodes.push(node);
      byId.set(id, node);
    });
  });

  const edges: LayoutEdge[] = [];
  for (const [to, from] of preds) {
    const target = byId.get(to);
    if (!target) continue;
    for (const f of from) {
      const source = byId.get(f);
      if (!source) continue;
      const x1 = source.x + widthOf(source);
      const y1 = source.y + NODE_HEIGHT / 2;
      const x2 = target.x;
      const y2 = target.y + NODE_HEIGHT / 2;
      const bend = Math.max(24, (x2 - x1) / 2);
      edges.push({ from: f, to, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` });
    }
  }
  const width = MARGIN * 2 + Math.max(1, layers.length) * (NODE_WIDTH + LAYER_GAP) - LAYER_GAP;
  return { nodes, edges, width, height };
}

export const widthOf = (node: Pick<LayoutNode, 'kind'>): number =>
  node.kind === 'gate' ? GATE_SIZE : NODE_WIDTH;
