import type { Plan, PlanStep } from './plan-schema.js';

export type { Plan, PlanGate, PlanStep } from './plan-schema.js';

export { PLAN_VERSION } from './plan-version.js';

/** A step's working directory is its own volume, or the workspace of the first step in its `vol`. */
export function workspaceOwner(plan: Plan, stepName: string): string {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  let current = stepName;
  const seen = new Set<string>();
  for (;;) {
    const first = byName.get(current)?.vol[0];
    if (first === undefined || seen.has(first)) return current;
    seen.add(current);
    current = first;
  }
}

/** The step and everything it needs, transitively — what `--step NAME` runs. */
export function closureOf(plan: Plan, names: readonly string[]): Set<string> {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const keep = new Set<string>();
  const stack = [...names];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    if (keep.has(name)) continue;
    keep.add(name);
    stack.push(...(byName.get(name)?.needs ?? []));
  }
  return keep;
}

/** The plan cut down to `names` and what they need. */
export function subPlan(plan: Plan, names: readonly string[]): Plan {
  const keep = closureOf(plan, names);
  const steps = plan.steps.filter((s) => keep.has(s.name));
  const gates = new Set(steps.flatMap((s) => (s.gate ? [s.gate] : [])));
  return { version: plan.version, steps, gates: plan.gates.filter((g) => gates.has(g.name)) };
}

/** Steps in an order where every step comes after what it needs (the plan is acyclic). */
export function topologicalOrder(plan: Plan): PlanStep[] {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const done = new Set<string>();
  const out: PlanStep[] = [];
  const visit = (step: PlanStep): void => {
    if (done.has(step.name)) return;
    done.add(step.name);
    for (const need of step.needs) {
      const dep = byName.get(need);
      if (dep) visit(dep);
    }
    out.push(step);
  };
  for (const step of plan.steps) visit(step);
  return out;
}

/** `access-key-id` becomes `ACCESS_KEY_ID`. */
export function envNameFor(stepName: string): string {
  return stepName.toUpperCase().replace(/-/g, '_');
}
