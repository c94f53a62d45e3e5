import { z } from 'zod';
import { HOST_STATES } from './host.js';
import type { Plan } from './pipeline/plan.js';
import { runResultSchema, runStatusSchema } from './result.js';

/**
 * What the results API answers (control-plane/src/routes/results.ts), validated by the viewer
 * where it receives it.
 */

/** The DAG to draw: what each step waits for, and the gate it waits behind. */
export const runGraphSchema = z.object({
  steps: z.array(z.object({ name: z.string(), needs: z.array(z.string()), gate: z.string().optional() })),
  gates: z.array(z.object({ name: z.string() })),
});
export type RunGraph = z.infer<typeof runGraphSchema>;

export function graphOfPlan(plan: Plan): RunGraph {
  return {
    steps: plan.steps.map((s) => ({ name: s.name, needs: s.needs, ...(s.gate ? { gate: s.gate } : {}) })),
    gates: plan.gates.map((g) => ({ name: g.name })),
  };
}

/** GET /api/results/:account/:pipeline/:run — result.json, and the graph when the plan is known. */
export const runViewSchema = runResultSchema.extend({
  graph: runGraphSchema.optional(),
  /** A fork's pull request, waiting for the repository owner to let it run. */
  held: z.boolean().optional(),
});
export type RunView = z.infer<typeof runViewSchema>;

export const runSummarySchema = z.object({
  runId: z.string(),
  status: runStatusSchema,
  commit: z.string(),
  branch: z.string().optional().nullable(),
  /** The commit's subject line. */
  message: z.string().optional(),
  /** Who or what started the run: `push by octocat`, `dockercise trigger by ada`. */
  triggeredBy: z.string().optional(),
  startedAt: z.string(),
  durationMs: z.number().optional().nullable(),
  error: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** GET /api/results/:account/:pipeline */
export const runListSchema = z.object({ runs: z.array(runSummarySchema) });

/** GET /api/results/:account */
export const pipelineListSchema = z.object({
  pipelines: z.array(
    z.object({ pipeline: z.string(), lastRunAt: z.string(), lastStatus: runStatusSchema.optional() }),
  ),
});
export type PipelineSummary = z.infer<typeof pipelineListSchema>['pipelines'][number];

/** GET …/logs/:step — `nextToken` fetches what follows (a running step's new lines). */
export const logPageSchema = z.object({
  source: z.enum(['s3', 'cloudwatch', 'file']),
  lines: z.array(z.string()),
  nextToken: z.string().optional(),
  complete: z.boolean(),
});
export type LogPageBody = z.infer<typeof logPageSchema>;

export const approvalSchema = z.object({ gate: z.string(), approvedBy: z.string(), approvedAt: z.string() });

/** Every error answer. */
export const apiErrorSchema = z.object({ error: z.string() });

/** GET /api/accounts: the user's AWS accounts, connected or being connected. */
export const accountListSchema = z.object({
  accounts: z.array(z.object({ accountId: z.string(), region: z.string(), connected: z.boolean() })),
});
export type AccountListing = z.infer<typeof accountListSchema>['accounts'][number];

/** POST /api/accounts: the claim's launch link. */
export const accountClaimSchema = z.object({
  accountId: z.string(),
  launchUrl: z.string(),
  claimExpiresAt: z.string(),
});

/** POST /api/accounts/:id/discover: how far connecting the account has come. */
export const discoverySchema = z.object({
  stage: z.enum(['waiting-for-stack', 'role-assumed', 'connected']),
  detail: z.string().optional(),
});
export type Discovery = z.infer<typeof discoverySchema>;

/** GET /api/repos: the user's GitHub repositories, and which are connected to which account. */
export const repoListSchema = z.object({
  repos: z.array(
    z.object({
      id: z.number(),
      fullName: z.string(),
      private: z.boolean(),
      connected: z.boolean(),
      accountId: z.string().optional(),
      admin: z.boolean().optional(),
    }),
  ),
});
export type RepoListing = z.infer<typeof repoListSchema>['repos'][number];

/** GET /api/accounts/:id/overview: what the account page shows. */
export const accountOverviewSchema = z.object({
  accountId: z.string(),
  region: z.string(),
  queue: z.object({ waiting: z.number(), running: z.number() }).nullable(),
  stack: z
    .object({
      agentVersion: z.string(),
      newest: z.string(),
      behind: z.boolean(),
      /** The template's generation (its TemplateVersion output), when it has one. */
      templateVersion: z.string().optional(),
      /** When behind: the console's update page, and the same as a command. */
      updateUrl: z.string().optional(),
      updateCommand: z.string().optional(),
      /** The values the update sets, which the console page does not fill in by itself. */
      updateParameters: z.record(z.string(), z.string()).optional(),
    })
    .nullable(),
  /** Each host's own report; null when the bucket cannot be read. */
  hosts: z
    .array(
      z.object({
        instanceId: z.string(),
        state: z.enum([...HOST_STATES, 'lost']),
        since: z.string(),
        updatedAt: z.string(),
        agentVersion: z.string(),
        runs: z.array(z.string()),
        detail: z.string().optional(),
      }),
    )
    .nullable(),
  /** How many hosts the control plane last asked the group for, and when. */
  capacity: z.object({ wanted: z.number(), requestedAt: z.string() }).nullable(),
  runs: z.array(
    z.object({
      pipeline: z.string(),
      runId: z.string(),
      commit: z.string(),
      status: runStatusSchema,
      createdAt: z.string(),
    }),
  ),
});
export type AccountOverview = z.infer<typeof accountOverviewSchema>;
