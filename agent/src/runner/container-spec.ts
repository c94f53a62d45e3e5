import { type Plan, type PlanStep, renderTemplate, type Template, workspaceOwner } from '@dockercise/shared';
import type { ContainerSpec, ResourceLimits } from '../engine/engine.js';
import { OUTPUT_MOUNT_DIR } from './output-files.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';

/** What every container of a run shares, apart from the step. */
export interface SpecContext {
  runId: string;
  pipeline: string;
  plan: Plan;
  attempt: number;
  /** The run's network; the engine's default bridge when absent. */
  network?: string;
  limits: Required<ResourceLimits>;
  /** Variables of the checkout (GIT_SSH_COMMAND and the like), when the job carries one. */
  checkoutEnv?: Record<string, string>;
  /** What the run is of, in every mode alike (sourceEnv). */
  sourceEnv: Record<string, string>;
}

/**
 * How a step's containers are made, as pure functions: the runner resolves files and volumes,
 * these say what goes where. Tested without an engine.
 */

/** The volume of a step's workspace, named by the step that owns it (vol chains share one). */
export const volumeName = (ctx: Pick<SpecContext, 'runId' | 'plan'>, step: string): string =>
  `dockercise-${ctx.runId}-${workspaceOwner(ctx.plan, step)}`;

/** `/workspace` is the step's own (or its first vol's) workspace; each vol is also at `/vol/<name>`. */
export function stepVolumes(
  ctx: Pick<SpecContext, 'runId' | 'plan'>,
  step: PlanStep,
): ContainerSpec['volumes'] {
  return [
    { volume: volumeName(ctx, step.name), target: '/workspace' },
    ...step.vol.map((v) => ({ volume: volumeName(ctx, v), target: `/vol/${v}` })),
  ];
}

/** The steps whose output files a step's commands read, sorted. */
export function referencedSteps(step: PlanStep): string[] {
  const referenced = new Set<string>();
  for (const template of [step.run, step.done ?? []])
    for (const part of template) if (typeof part !== 'string') referenced.add(part.ref);
  return [...referenced].sort();
}

/** Where `{step}` points inside a container. */
export const outputPath = (step: string): string => `${OUTPUT_MOUNT_DIR}/${step}`;

/** The variables every step gets, then its own `env`, where `{step}` is that step's output text. */
export function stepEnv(
  ctx: SpecContext,
  step: PlanStep,
  outputText: (step: string) => string,
): Record<string, string> {
  const env: Record<string, string> = {
    CI: 'true',
    DOCKERCISE: 'true',
    DOCKERCISE_RUN_ID: ctx.runId,
    DOCKERCISE_PIPELINE: ctx.pipeline,
    DOCKERCISE_STEP: step.name,
    DOCKERCISE_ATTEMPT: String(ctx.attempt),
    // The step's own try under `retry` (the runner sets it past the first); ATTEMPT is the run's.
    DOCKERCISE_STEP_ATTEMPT: '1',
  };
  for (const variable of step.env) env[variable.name] = renderTemplate(variable.value, outputText);
  Object.assign(env, ctx.sourceEnv, ctx.checkoutEnv ?? {});
  return env;
}

/** What both of a step's containers share: image, env, mounts, labels, network, limits. */
export function containerBase(
  ctx: SpecContext,
  step: PlanStep,
  files: ContainerSpec['files'],
  outputText: (step: string) => string,
): Omit<ContainerSpec, 'name' | 'command'> {
  return {
    image: imageOf(step, outputText),
    env: stepEnv(ctx, step, outputText),
    workdir: '/workspace',
    labels: { [RUN_LABEL]: ctx.runId, [STEP_LABEL]: step.name },
    volumes: stepVolumes(ctx, step),
    files,
    ...(ctx.network ? { network: ctx.network } : {}),
    limits: ctx.limits,
  };
}

/** The image a step runs: its `img`, or the one the build step it names made (`img: "{build}"`). */
export function imageOf(step: PlanStep, outputText: (step: string) => string): string {
  return step.imageFrom ? trimOneNewline(outputText(step.imageFrom)) : step.img;
}

/** A phase's container: `run` as `dockercise-<run>-<step>`, `done` with a `-done` suffix. */
export function phaseSpec(
  base: Omit<ContainerSpec, 'name' | 'command'>,
  ctx: Pick<SpecContext, 'runId'>,
  step: PlanStep,
  phase: 'run' | 'done',
): ContainerSpec {
  const template: Template = phase === 'run' ? step.run : (step.done ?? []);
  const name = `dockercise-${ctx.runId}-${step.name}${phase === 'done' ? '-done' : ''}`;
  return { ...base, name, command: ['/bin/sh', '-c', renderTemplate(template, outputPath)] };
}

export function trimOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
