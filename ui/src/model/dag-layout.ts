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
const LAYER_GAP = 48;
const ROW_GAP = 20;
const MARGIN = 16;
const SWEEPS = 4;
/** The lane a long edge takes through a column it crosses: between boxes, never through one. */
const LANE_HEIGHT = 8;

export const stepId = (name: string): string => `step:${name}`;
export const gateId = (name: string): string => `gate:${name}`;

/**
 * Lays the DAG out in layers, left to right: a node's layer is the longest path to it, so every
 * edge points right; within a layer nodes are ordered by the mean position of their neighbours
 * (a few sweeps each way), which keeps crossings down. An edge that spans several layers gets a
 * lane of its own in each column it crosses (ordered with the nodes), so it runs between boxes,
 * never through one; each column is as wide as its widest node, so a gate's is narrow. A gate is drawn as its own node between what
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

  // A long edge's lanes: one per column it crosses, chained, ordered with the nodes.
  const lanes = new Map<string, string[]>();
  const order = new Map<string, Set<string>>(ids.map((id) => [id, new Set(preds.get(id))]));
  for (const [to, from] of preds)
    for (const f of from) {
      const span = (layerOf.get(to) ?? 0) - (layerOf.get(f) ?? 0);
      if (span < 2) continue;
      const chain: string[] = [];
      let previous = f;
      for (let l = (layerOf.get(f) ?? 0) + 1; l < (layerOf.get(to) ?? 0); l++) {
        const lane = `lane:${f}>${to}:${l}`;
        layerOf.set(lane, l);
        order.set(lane, new Set([previous]));
        chain.push(lane);
        previous = lane;
      }
      order.get(to)?.delete(f);
      order.get(to)?.add(previous);
      lanes.set(`${f}>${to}`, chain);
    }
  const all = [...order.keys()];
  const layers: string[][] = [];
  for (const id of all) {
    const l = layerOf.get(id) ?? 0;
    const row = layers[l] ?? [];
    row.push(id);
    layers[l] = row;
  }
  const succs = new Map<string, string[]>(all.map((id) => [id, []]));
  for (const [id, from] of order) for (const p of from) succs.get(p)?.push(id);

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
    for (let l = 1; l < layers.length; l++) reorder(layers[l] ?? [], (id) => order.get(id) ?? []);
    for (let l = layers.length - 2; l >= 0; l--) reorder(layers[l] ?? [], (id) => succs.get(id) ?? []);
  }

  const isLane = (id: string): boolean => id.startsWith('lane:');
  const heightOf = (id: string): number => (isLane(id) ? LANE_HEIGHT : NODE_HEIGHT);
  const columnHeight = (row: string[]): number =>
    row.reduce((sum, id) => sum + heightOf(id), 0) + Math.max(0, row.length - 1) * ROW_GAP;
  const height = MARGIN * 2 + Math.max(NODE_HEIGHT, ...layers.map(columnHeight));
  const columnWidth = layers.map((row) =>
    Math.max(
      GATE_SIZE,
      ...row
        .filter((id) => !isLane(id))
        .map((id) => (kinds.get(id)?.kind === 'gate' ? GATE_SIZE : NODE_WIDTH)),
    ),
  );
  const columnX: number[] = [];
  let x = MARGIN;
  for (const w of columnWidth) {
    columnX.push(x);
    x += w + LAYER_GAP;
  }
  const nodes: LayoutNode[] = [];
  const byId = new Map<string, LayoutNode>();
  /** A lane's middle, by its id: where its edge crosses the column. */
  const laneY = new Map<string, number>();
  layers.forEach((row, l) => {
    let y = (height - columnHeight(row)) / 2;
    for (const id of row) {
      if (isLane(id)) laneY.set(id, y + LANE_HEIGHT / 2);
      else {
        const info = kinds.get(id) as { kind: 'step' | 'gate'; name: string };
        const node: LayoutNode = { id, ...info, layer: l, x: columnX[l] ?? MARGIN, y };
        nodes.push(node);
        byId.set(id, node);
      }
      y += heightOf(id) + ROW_GAP;
    }
  });

  const curve = (x1: number, y1: number, x2: number, y2: number): string => {
    const bend = Math.max(16, (x2 - x1) / 2);
    return ` C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
  };
  const edges: LayoutEdge[] = [];
  for (const [to, from] of preds) {
    const target = byId.get(to);
    if (!target) continue;
    for (const f of from) {
      const source = byId.get(f);
      if (!source) continue;
      let cx = source.x + widthOf(source);
      let cy = source.y + NODE_HEIGHT / 2;
      let path = `M${cx},${cy}`;
      // Through each lane: a curve in the gap to the column, straight across it at the lane.
      for (const lane of lanes.get(`${f}>${to}`) ?? []) {
        const l = layerOf.get(lane) ?? 0;
        const ly = laneY.get(lane) ?? cy;
        path += `${curve(cx, cy, columnX[l] ?? cx, ly)} L${(columnX[l] ?? cx) + (columnWidth[l] ?? 0)},${ly}`;
        cx = (columnX[l] ?? cx) + (columnWidth[l] ?? 0);
        cy = ly;
      }
      path += curve(cx, cy, target.x, target.y + NODE_HEIGHT / 2);
      edges.push({ from: f, to, path });
    }
  }
  const width = Math.max(MARGIN * 2 + NODE_WIDTH, x - LAYER_GAP + MARGIN);
  return { nodes, edges, width, height };
}

export const widthOf = (node: Pick<LayoutNode, 'kind'>): number =>
  node.kind === 'gate' ? GATE_SIZE : NODE_WIDTH;
