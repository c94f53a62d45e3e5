import type { PlanBuild } from './build-plan.js';
import { compareDiagnostics, type Diagnostic, type SourcePosition } from './diagnostics.js';
import { checkPipelineSizes, PIPELINE_LIMITS } from './limits.js';
import { type ParsedFile, type ParsedStep, parsePipelineFile, type Ref } from './parse-file.js';
import type { ParsedBuild } from './parsed.js';
import { PLAN_VERSION, type Plan, type PlanGate, type PlanStep } from './plan.js';
import { closest, listForHint } from './suggest.js';

export interface PipelineSource {
  /** Path relative to the repository root, with `/` separators. */
  path: string;
  text: string;
}

export type CompileResult = { ok: true; plan: Plan } | { ok: false; diagnostics: Diagnostic[] };

const FILE_SUFFIXES = ['.dockercise.yaml', '.dockercise.yml'];

export function isPipelineFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return FILE_SUFFIXES.some((suffix) => base.endsWith(suffix) && base.length > suffix.length);
}

/**
 * Turns pipeline files into one plan, or into every problem found in them. Files are taken in
 * sorted path order, so the plan does not depend on the order the caller found them in.
 */
export function compilePipeline(sources: readonly PipelineSource[]): CompileResult {
  const sorted = [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sizes = checkPipelineSizes(sorted.map((s) => ({ path: s.path, bytes: utf8Length(s.text) })));
  if (sizes.length > 0) return { ok: false, diagnostics: sizes.sort(compareDiagnostics) };
  const diagnostics: Diagnostic[] = [];
  const files: ParsedFile[] = [];
  for (const source of sorted) {
    const parsed = parsePipelineFile(source.path, source.text);
    diagnostics.push(...parsed.diagnostics);
    files.push(parsed.file);
  }
  if (sorted.length === 0) {
    diagnostics.push({
      file: '.',
      line: 1,
      col: 1,
      message: 'no pipeline files found',
      hint: 'name them *.dockercise.yaml',
    });
  }

  const steps = new Map<string, { step: ParsedStep; file: ParsedFile }>();
  for (const file of files) {
    for (const step of file.steps) {
      const earlier = steps.get(step.name);
      if (earlier) {
        diagnostics.push({
          ...step.pos,
          message: `step "${step.name}" is defined twice`,
          hint: `also defined at ${where(earlier.step.pos)}; step names are shared by all files of a pipeline`,
        });
      } else {
        steps.set(step.name, { step, file });
      }
    }
  }
  if (steps.size > PIPELINE_LIMITS.steps) {
    const first = [...steps.values()][PIPELINE_LIMITS.steps]?.step;
    diagnostics.push({
      ...(first?.pos ?? { file: '.', line: 1, col: 1 }),
      message: `the pipeline has ${steps.size} steps; a pipeline may have at most ${PIPELINE_LIMITS.steps}`,
      hint: 'split it into pipelines of their own, or do more in each step',
    });
    return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics) };
  }
  const known = [...steps.keys()];
  const checkRef = (ref: Ref, what: string): boolean => {
    if (steps.has(ref.name)) return true;
    const guess = closest(ref.name, known);
    const known_ = `known steps: ${listForHint(known)}`;
    const message =
      what === 'reference' ? `{${ref.name}} names no step` : `${what} names no step "${ref.name}"`;
    const hint = [
      guess ? `did you mean ${what === 'reference' ? `{${guess}}` : `"${guess}"`}?` : '',
      known_,
      what === 'reference' ? 'to write a literal brace, double it: {{ and }}' : '',
    ]
      .filter(Boolean)
      .join('; ');
    diagnostics.push({ ...ref.pos, message, hint });
    return false;
  };

  const gates: PlanGate[] = [];
  const planSteps: PlanStep[] = [];
  for (const file of files) {
    for (const ref of file.after) checkRef(ref, 'after');
    if (file.gate) gates.push({ name: file.path, source: file.gate });
    for (const step of file.steps) {
      if (steps.get(step.name)?.step !== step) continue;
      if (step.gate && file.gate)
        diagnostics.push({
          ...step.gate,
          message: `step "${step.name}" is behind its file's human-click gate already`,
          hint: 'gate the step or its file, not both: move the step to a file of its own to gate it apart',
        });
      else if (step.gate) gates.push({ name: step.name, source: step.gate });
      const needs = new Set<string>();
      const add = (refs: Ref[], what: string): void => {
        for (const ref of refs) if (checkRef(ref, what)) needs.add(ref.name);
      };
      add(step.run?.refs ?? [], 'reference');
      add(step.done?.refs ?? [], 'reference');
      for (const env of step.env) add(env.refs, env.listed ? 'env' : 'reference');
      add(step.vol, 'vol');
      add(step.build?.refs ?? [], 'reference');
      for (const ref of step.build?.refs ?? [])
        if (steps.get(ref.name)?.step.secret)
          diagnostics.push({
            ...ref.pos,
            message: `build arg of step "${step.name}" names the output of secret step "${ref.name}", which the image's history would keep in clear`,
            hint: 'pass a secret as a file in the workspace that the Dockerfile reads and leaves out of the image',
          });
      if (step.secret && (step.artifacts?.length || step.reports))
        diagnostics.push({
          ...step.pos,
          message: `secret step "${step.name}" has artifacts, which would be stored in clear`,
          hint: "a secret step's files stay in its workspace: share them with vol, not as artifacts",
        });
      if (step.imageRef && checkRef(step.imageRef, 'img')) {
        if (steps.get(step.imageRef.name)?.step.build) needs.add(step.imageRef.name);
        else
          diagnostics.push({
            ...step.imageRef.pos,
            message: `img of step "${step.name}" names step "${step.imageRef.name}", which builds no image`,
            hint: 'img: "{step}" runs the image a build: step made; name an image otherwise, e.g. img: alpine:3.20',
          });
      }
      for (const cache of step.cache) {
        add(cache.key.refs, 'reference');
        // A cache key is stored and shown in clear: in the result, the volume's label, the bucket's key.
        for (const ref of cache.key.refs)
          if (steps.get(ref.name)?.step.secret)
            diagnostics.push({
              ...ref.pos,
              message: `cache key of step "${step.name}" names the output of secret step "${ref.name}", which would be stored in clear`,
              hint: 'key the cache on a digest a step that is not secret prints, e.g. of the lock file',
            });
      }
      add(step.after, 'after');
      // A file's `after` orders its steps behind those named; a named step of the same file is not behind itself.
      for (const ref of file.after) if (steps.has(ref.name) && ref.name !== step.name) needs.add(ref.name);
      if (!step.build && (!step.img || !step.run)) continue;
      const planStep: PlanStep = {
        name: step.name,
        img: step.build ? '' : (step.img ?? ''),
        run: step.build ? [] : (step.run?.template ?? []),
        ...(step.done ? { done: step.done.template } : {}),
        env: step.env.map((e) => ({ name: e.name, value: e.value })),
        vol: step.vol.map((r) => r.name),
        needs: [...needs].sort(),
        ...(file.gate ? { gate: file.path } : step.gate ? { gate: step.name } : {}),
        timeout: step.timeout,
        secret: step.secret,
        ...(file.when || step.when ? { when: [file.when, step.when].filter((w) => w !== undefined) } : {}),
        ...(step.retry ? { retry: step.retry } : {}),
        ...(step.allowFailure ? { allowFailure: true } : {}),
        ...(step.checkout === false || file.checkout === false ? { checkout: false as const } : {}),
        ...(step.awsRole || file.awsRole ? { awsRole: step.awsRole ?? file.awsRole } : {}),
        ...(step.build ? { build: planBuild(step.build) } : {}),
        ...(step.artifacts?.length ? { artifacts: step.artifacts } : {}),
        ...(step.reports ? { reports: step.reports } : {}),
        ...(step.imageRef ? { imageFrom: step.imageRef.name } : {}),
        ...(step.outputLimit !== undefined ? { outputLimit: step.outputLimit } : {}),
        ...(step.services.length > 0 ? { services: step.services } : {}),
        ...(step.cache.length > 0
          ? { cache: step.cache.map((c) => ({ path: c.path, key: c.key.template })) }
          : {}),
        source: { file: step.pos.file, line: step.pos.line, col: step.pos.col },
      };
      planSteps.push(planStep);
    }
  }

  for (const cycle of findCycles(planSteps)) {
    const first = steps.get(cycle[0] ?? '')?.step;
    if (!first) continue;
    diagnostics.push({
      ...first.pos,
      message: `dependency cycle: ${cycle.join(' -> ')}`,
      hint:
        cycle.length === 2
          ? `step "${cycle[0]}" cannot wait for itself`
          : 'a step cannot wait, directly or not, for itself: remove one of these references',
    });
  }

  if (diagnostics.length > 0) return { ok: false, diagnostics: dedupe(diagnostics).sort(compareDiagnostics) };
  return { ok: true, plan: { version: PLAN_VERSION, steps: planSteps, gates } };
}

function where(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${where(d)} ${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Each cycle once, as a path that starts and ends at the same step (`a -> b -> a`), found per
 * strongly connected component so a tangle of cycles is reported once, not many times over.
 */
export function findCycles(steps: readonly PlanStep[]): string[][] {
  const needs = new Map(steps.map((s) => [s.name, s.needs]));
  const order = steps.map((s) => s.name);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  // Iterative Tarjan: a deep chain of steps must not overflow the call stack.
  for (const root of order) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edges: string[]; next: number }> = [];
    const open = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: (needs.get(node) ?? []).filter((n) => needs.has(n)), next: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as (typeof work)[number];
      const edge = frame.edges[frame.next++];
      if (edge !== undefined) {
        if (!index.has(edge)) open(edge);
        else if (onStack.has(edge))
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(edge) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        for (;;) {
          const member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
          if (member === frame.node) break;
        }
        const selfLoop = component.length === 1 && (needs.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }

  const position = new Map(order.map((name, i) => [name, i]));
  return components
    .map((component) => cyclePath(component, needs, position))
    .sort((a, b) => (position.get(a[0] ?? '') ?? 0) - (position.get(b[0] ?? '') ?? 0));
}

/** A shortest cycle through the component's first step (in definition order), by breadth-first search. */
function cyclePath(
  component: string[],
  needs: Map<string, string[]>,
  position: Map<string, number>,
): string[] {
  const members = new Set(component);
  const start = [...component].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0))[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const next of needs.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at))
          path.push(at);
        // `needs` edges point from a step to what it waits for; show it the way a reader follows references.
        const forward = [start, ...path.slice(1).reverse(), start];
        return forward;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

const encoder = new TextEncoder();
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

function planBuild(build: ParsedBuild): PlanBuild {
  const { context, file, target, args, push } = build;
  return { context, file, ...(target ? { target } : {}), args, push };
}
