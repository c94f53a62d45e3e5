import { z } from 'zod';
import { PLAN_VERSION } from './plan-version.js';
import { EVENTS, HOST_LOST, MAX_RETRIES } from './step-options.js';
import { STEP_NAME, type Template } from './template.js';

/**
 * The plan's schema, for what reads a plan from outside (a queue message, a stored run): apart
 * from plan.ts, so the language (compile, validate) loads without zod.
 */
const stepName = z.string().regex(STEP_NAME);
const templateSchema: z.ZodType<Template> = z.array(z.union([z.string(), z.object({ ref: stepName })]));
const sourceSchema = z.object({ file: z.string(), line: z.number().int(), col: z.number().int() });

export const planStepSchema = z.object({
  name: stepName,
  /** The image to run: empty for a build step; `{step}` with `imageFrom` for a built one. */
  img: z.string(),
  run: templateSchema,
  done: templateSchema.optional(),
  env: z.array(z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: templateSchema })),
  /** Steps whose workspace volumes this step mounts; the first is its working directory. */
  vol: z.array(stepName),
  /** Every step this one waits for, sorted: references, `vol`, and `after`. */
  needs: z.array(stepName),
  /** The human-click gate this step waits behind: its file's (named by the file) or its own (by the step). */
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
  /** False: the workspace this step owns starts empty rather than holding the repository. */
  checkout: z.literal(false).optional(),
  /** The most of its stdout kept as its output, in bytes (the agent's limit unless said). */
  outputLimit: z.number().int().positive().optional(),
  /** The IAM role whose short-lived credentials the step gets (the container credentials interface). */
  awsRole: z.string().min(1).optional(),
  /** Builds an image from the step's workspace instead of running one (its output: the image). */
  build: z
    .object({
      context: z.string(),
      file: z.string(),
      target: z.string().optional(),
      args: z.array(z.object({ name: z.string(), value: templateSchema })),
      push: z.array(z.string()),
    })
    .optional(),
  /** Globs of workspace files kept in the run's results when the step ends. */
  artifacts: z.array(z.string()).optional(),
  /** Globs of its JUnit XML test reports: summarised in the result, kept as artifacts. */
  reports: z.object({ junit: z.array(z.string()) }).optional(),
  /** Runs in the image this build step made. */
  imageFrom: stepName.optional(),
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
