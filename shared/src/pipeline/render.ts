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
  for (const step of plan.steps) {
    for (const need of step.needs) lines.push(`  ${q(need)} -> ${q(step.name)};`);
    if (step.gate) lines.push(`  ${q(`gate:${step.gate}`)} -> ${q(step.name)};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
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
