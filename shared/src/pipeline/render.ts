import { type Plan, topologicalOrder } from './plan.js';

/** The plan as a Graphviz graph: edges run from a step to the steps that wait for it. */
export function planToDot(plan: Plan): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = ['digraph pipeline {', '  rankdir=LR;', '  node [shape=box, fontname="sans-serif"];'];
  for (const gate of plan.gates)
    lines.push(`  ${q(`gate:${gate.name}`)} [shape=diamond, label=${q(`human-click\n${gate.name}`)}];`);
  for (const step of plan.steps) {
    const label = `${step.name}\n${step.img}`;
    lines.push(`  ${q(step.name)} [label=${q(label)}${step.secret ? ', style=dashed' : ''}];`);
  }
  const before = ancestors(plan);
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  for (const step of plan.steps) {
    // An edge another path already implies tells the reader nothing: only the reduction is drawn.
    const implied = (need: string): boolean =>
      step.needs.some((other) => other !== need && before.get(other)?.has(need));
    for (const need of step.needs) if (!implied(need)) lines.push(`  ${q(need)} -> ${q(step.name)};`);
    const behindSameGate = step.needs.some((n) =>
      [...(before.get(n) ?? []), n].some((a) => byName.get(a)?.gate === step.gate),
    );
    if (step.gate && !behindSameGate) lines.push(`  ${q(`gate:${step.gate}`)} -> ${q(step.name)};`);
  }
  lines.push(
    '  subgraph cluster_legend {',
    '    label="legend"; fontname="sans-serif"; style=dotted;',
    '    "legend:step" [label="step\nimage"];',
    '    "legend:secret" [label="secret step\n(output masked, never stored)", style=dashed];',
    '    "legend:gate" [shape=diamond, label="human-click gate\n(its file\'s steps wait for approval)"];',
    '    "legend:step" -> "legend:secret" [label="runs after\n(edges implied by others omitted)", fontname="sans-serif"];',
    '  }',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** Every step's needs, transitively. */
function ancestors(plan: Plan): Map<string, Set<string>> {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const memo = new Map<string, Set<string>>();
  const visit = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const all = new Set<string>();
    memo.set(name, all); // a plan has no cycles; this only guards against looping on bad input
    for (const need of byName.get(name)?.needs ?? []) {
      all.add(need);
      for (const a of visit(need)) all.add(a);
    }
    return all;
  };
  for (const step of plan.steps) visit(step.name);
  return memo;
}

/** A short, human summary of a plan: one line per step in the order they can run. */
export function planSummary(plan: Plan): string {
  const files = new Set(plan.steps.map((s) => s.source.file));
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const head = `${plural(files.size, 'file')}, ${plural(plan.steps.length, 'step')}, ${plural(plan.gates.length, 'gate')}`;
  const width = Math.max(...plan.steps.map((s) => s.name.length), 4);
  const rows = topologicalOrder(plan).map((step) => {
    const needs = step.needs.length > 0 ? ` after ${step.needs.join(', ')}` : '';
    const gate = step.gate ? ` [gate: ${step.gate}]` : '';
    const secret = step.secret ? ' [secret]' : '';
    return `  ${step.name.padEnd(width)}  ${step.img}${needs}${gate}${secret}`;
  });
  return [head, ...rows].join('\n');
}
