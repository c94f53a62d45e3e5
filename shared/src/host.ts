import { z } from 'zod';

/**
 * What each agent host says of itself, in the results bucket at `hosts/<instance-id>.json`: the
 * account page reads these instead of EC2 (whose Describe calls IAM cannot scope to one stack).
 * Written at every change of state and refreshed every HOST_HEARTBEAT_MS while the agent runs.
 */
export const HOST_STATES = ['starting', 'idle', 'busy', 'leaving', 'stopped', 'failed'] as const;
export type HostState = (typeof HOST_STATES)[number];

export const hostReportSchema = z.object({
  instanceId: z.string().min(1).max(64),
  state: z.enum(HOST_STATES),
  /** When the host entered this state. */
  since: z.iso.datetime(),
  /** When the agent last wrote: a host not heard from for a few heartbeats is lost. */
  updatedAt: z.iso.datetime(),
  agentVersion: z.string().max(32),
  /** The runs it is running now (`busy`). */
  runs: z.array(z.string().max(128)).max(64),
  /** Why, for a host that `failed` (its boot did: the boot log is in the stack's log group). */
  detail: z.string().max(1000).optional(),
});
export type HostReport = z.infer<typeof hostReportSchema>;

export const HOST_HEARTBEAT_MS = 5 * 60 * 1000;

/** A host that stopped writing without saying it stopped: its agent or its instance died. */
export function hostIsLost(report: HostReport, now: number): boolean {
  return (
    report.state !== 'stopped' &&
    report.state !== 'failed' &&
    now - Date.parse(report.updatedAt) > 3 * HOST_HEARTBEAT_MS
  );
}
