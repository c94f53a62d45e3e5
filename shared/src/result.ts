import { z } from 'zod';
import type { Plan } from './pipeline/plan.js';

/**
 * `result.json`: the record of one run, written at every status change by every result store
 * (local files, S3) and read by the UI. Paths inside it are relative to the run's folder:
 *
 *   <run folder>/result.json
 *   <run folder>/logs/<step>.log      stdout and stderr, a timestamped line each, secrets masked
 *   <run folder>/outputs/<step>       stdout of a non-secret step
 *
 * The run folder is `.dockercise/runs/<run-id>/` locally and `runs/<pipeline>/<run-id>/` in S3.
 */
export const RESULT_VERSION = 1;

export const STEP_STATUSES = [
  'pending',
  'waiting-approval',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'timed-out',
  'cancelled',
] as const;
export const RUN_STATUSES = [
  'pending',
  'running',
  'waiting-approval',
  'succeeded',
  'failed',
  'cancelled',
] as const;

export const stepStatusSchema = z.enum(STEP_STATUSES);
export const runStatusSchema = z.enum(RUN_STATUSES);
export type StepStatus = z.infer<typeof stepStatusSchema>;
export type RunStatus = z.infer<typeof runStatusSchema>;

export const FINISHED_STEP_STATUSES: ReadonlySet<StepStatus> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'timed-out',
  'cancelled',
]);

const timestamp = z.iso.datetime();

export const stepResultSchema = z.object({
  name: z.string(),
  status: stepStatusSchema,
  image: z.string(),
  /** `repo@sha256:…` when the image came from a registry, else the local image id. */
  imageDigest: z.string().optional(),
  /** Workspace files kept when it ended (`artifacts`), each under `artifacts/<step>/<path>`. */
  artifacts: z
    .array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string() }))
    .optional(),
  /** Its JUnit reports, summarised: totals, and the failed tests first (at most 50). */
  tests: z
    .object({
      passed: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      failures: z.array(
        z.object({
          suite: z.string(),
          name: z.string(),
          message: z.string().optional(),
          file: z.string().optional(),
          line: z.number().int().optional(),
        }),
      ),
      /** Tests that failed in an earlier attempt of the step (`retry`) and passed in this one: `suite > name`. */
      flaky: z.array(z.string()).optional(),
    })
    .optional(),
  /** A build step's image: its id, and each name it was pushed to with the digest (`name@sha256:…`). */
  built: z.object({ id: z.string(), pushed: z.array(z.string()) }).optional(),
  /** Which command ran last: `done` is reached only after `run` exited 0. */
  phase: z.enum(['run', 'done']).optional(),
  exitCode: z.number().int().nullable().optional(),
  startedAt: timestamp.optional(),
  endedAt: timestamp.optional(),
  durationMs: z.number().int().nonnegative().optional(),
  error: z.string().optional(),
  log: z.string(),
  /** Where the output is stored; absent for secret steps and steps that produced none. */
  output: z.string().optional(),
  /**
   * Its stdout passed the output limit and no step reads it: the stored output is its first this
   * many bytes, the log every line.
   */
  outputCutAt: z.number().int().positive().optional(),
  secret: z.boolean(),
  /** Why a skipped step was skipped: its filters (or a need's) did not match the run. */
  skipReason: z.enum(['filtered']).optional(),
  /** The step failed, but may (`allow-failure`): the run does not fail for it. */
  allowedFailure: z.boolean().optional(),
  /** The step's caches: the key each was kept under, and whether it was found (a hit) or made. */
  caches: z
    .array(
      z.object({ path: z.string(), key: z.string(), hit: z.boolean(), restoredFrom: z.string().optional() }),
    )
    .optional(),
  /** The step's services: its log's name, and when each was ready (or why it was not). */
  services: z
    .array(
      z.object({
        name: z.string(),
        image: z.string(),
        log: z.string(),
        readyAfterMs: z.number().int().nonnegative().optional(),
        error: z.string().optional(),
      }),
    )
    .optional(),
  /** How many times the host running the step was lost (the step was re-run after each). */
  hostLost: z.number().int().positive().optional(),
  /** Every attempt when the step was retried, the last one last. */
  attempts: z
    .array(
      z.object({
        attempt: z.number().int().positive(),
        status: stepStatusSchema,
        exitCode: z.number().int().nullable().optional(),
        error: z.string().optional(),
        startedAt: timestamp,
        endedAt: timestamp,
      }),
    )
    .optional(),
});

export const gateResultSchema = z.object({
  name: z.string(),
  /** `skipped`: the run ended (failed or cancelled) before anyone approved it; nothing waits on it. */
  status: z.enum(['waiting', 'approved', 'skipped']),
  approvedBy: z.string().optional(),
  approvedAt: timestamp.optional(),
});

export const runResultSchema = z.object({
  version: z.literal(RESULT_VERSION),
  runId: z.string(),
  pipeline: z.string(),
  status: runStatusSchema,
  /** Which attempt at the run this is: a resume (after a gate, a crash, or `--resume`) is the next. */
  attempt: z.number().int().positive().optional(),
  /** The run's earlier attempts when it was re-run, oldest first: how each ended, step by step. */
  previousAttempts: z
    .array(
      z.object({
        attempt: z.number().int().positive(),
        status: runStatusSchema,
        startedAt: timestamp,
        endedAt: timestamp.optional(),
        steps: z.array(
          z.object({
            name: z.string(),
            status: stepStatusSchema,
            exitCode: z.number().int().nullable().optional(),
          }),
        ),
      }),
    )
    .optional(),
  startedAt: timestamp,
  endedAt: timestamp.optional(),
  durationMs: z.number().int().nonnegative().optional(),
  source: z
    .object({
      repository: z.string().optional(),
      commit: z.string().optional(),
      branch: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
  error: z.string().optional(),
  steps: z.array(stepResultSchema),
  gates: z.array(gateResultSchema),
});

export type StepResult = z.infer<typeof stepResultSchema>;
export type GateResult = z.infer<typeof gateResultSchema>;
export type RunResult = z.infer<typeof runResultSchema>;

export const resultPaths = {
  result: 'result.json',
  log: (step: string): string => `logs/${step}.log`,
  output: (step: string): string => `outputs/${step}`,
  artifact: (step: string, path: string): string => `artifacts/${step}/${path}`,
} as const;

/** Run ids sort by start time: `20261126T204100Z-3f9a1c`. */
export function newRunId(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const suffix = Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${suffix}`;
}

export const RUN_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/;

export const FINISHED_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A run's result before any step has run: every step pending (or waiting at its gate), every gate
 * waiting unless approved. The agent starts from it, and the results API shows it for a run whose
 * agent has written nothing yet.
 */
export function initialRunResult(input: {
  runId: string;
  pipeline: string;
  plan: Plan | undefined;
  startedAt: string;
  isApproved: (gate: string) => boolean;
  source?: RunResult['source'];
}): RunResult {
  const { plan, isApproved } = input;
  return {
    version: RESULT_VERSION,
    runId: input.runId,
    pipeline: input.pipeline,
    status: 'pending',
    startedAt: input.startedAt,
    ...(input.source ? { source: input.source } : {}),
    steps: (plan?.steps ?? []).map((s) => ({
      name: s.name,
      status: s.gate !== undefined && !isApproved(s.gate) ? 'waiting-approval' : 'pending',
      image: s.img,
      log: resultPaths.log(s.name),
      secret: s.secret,
    })),
    gates: (plan?.gates ?? []).map((g) => ({
      name: g.name,
      status: isApproved(g.name) ? 'approved' : 'waiting',
    })),
  };
}

export type AttemptSummary = NonNullable<RunResult['previousAttempts']>[number];

/** An ended attempt as a later attempt's result keeps it. */
export function attemptSummary(result: RunResult): AttemptSummary {
  return {
    attempt: result.attempt ?? 1,
    status: result.status,
    startedAt: result.startedAt,
    ...(result.endedAt ? { endedAt: result.endedAt } : {}),
    steps: result.steps.map((s) => ({
      name: s.name,
      status: s.status,
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    })),
  };
}
