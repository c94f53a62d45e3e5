import { z } from 'zod';
import { EVENTS, HOST_LOST, MAX_RETRIES } from './step-options.js';
import { STEP_NAME, type Template } from './template.js';

/**
 * The plan: a validated pipeline, ready to run. It travels in queue messages, so it is compact,
 * JSON-only, and deterministic (the same files always give the same bytes).
 */
export const PLAN_VERSION = 1;

const stepName = z.string().regex(STEP_NAME);
const templateSchema: z.ZodType<Template> = z.array(z.union([z.string(), z.object({ ref: stepName })]));
const sourceSchema = z.object({ file: z.string(), line: z.number().int(), col: z.number().int() });

export const planStepSchema = z.object({
  name: stepName,
  img: z.string().min(1),
  run: templateSchema,
  done: templateSchema.optional(),
  env: z.array(z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: templateSchema })),
  /** Steps whose workspace volumes this step mounts; the first is its working directory. */
  vol: z.array(stepName),
  /** Every step this one waits for, sorted: references, `vol`, and `after`. */
  needs: z.array(stepName),
  /** The human-click gate this step waits behind, if its file has one. */
  gate: z.string().optional(),
  /** Seconds. */
  timeout: z.number().int().positive(),
  secret: z.boolean(),
  /** Filters, all of which must match for the step to run (its file's, then its own). */
  when: z
    .array(
      z.object({
        branch: z.array(z.string()).optional(),
        event: z.array(z.enum(EVENTS)).optional(),
        paths: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  retry: z
    .object({
      count: z.number().int().min(1).max(MAX_RETRIES),
      on: z.array(z.union([z.number().int(), z.literal(HOST_LOST)])).optional(),
    })
    .optional(),
  /** A failure is shown but does not fail the run; dependents run as if it succeeded. */
  allowFailure: z.boolean().optional(),
  /** Paths kept between runs of the pipeline under a key; `{step}` in a key is that step's output. */
  cache: z.array(z.object({ path: z.string(), key: templateSchema })).optional(),
  /** Containers beside the step on its own network, each reachable by its name. */
  services: z
    .array(
      z.object({
        name: stepName,
        img: z.string().min(1),
        env: z.array(z.object({ name: z.string(), value: z.string() })),
        run: z.string().optional(),
        ready: z.string().optional(),
        readyTimeout: z.number().int().positive(),
      }),
    )
    .optional(),
  source: sourceSchema,
});

export const planGateSchema = z.object({ name: z.string(), source: sourceSchema });

export const planSchema = z.object({
  version: z.literal(PLAN_VERSION),
  steps: z.array(planStepSchema),
  gates: z.array(planGateSchema),
});

export type PlanStep = z.infer<typeof planStepSchema>;
export type PlanGate = z.infer<typeof planGateSchema>;
export type Plan = z.infer<typeof planSchema>;

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
