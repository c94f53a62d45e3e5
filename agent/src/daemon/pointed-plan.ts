import { type Plan, planSchema } from '@dockercise/shared';
import { type PlanPointer, sha256Hex } from '@dockercise/shared/node';
import type { AgentBackend } from '../backend/agent-backend.js';

/**
 * A plan too large for its message, read from where the signed job points: trusted only if its
 * bytes match the digest the job signed, and a valid plan.
 */
export type PlanLoad = { ok: true; plan: Plan } | { ok: false; reason: string };

export async function loadPointedPlan(backend: AgentBackend, pointer: PlanPointer): Promise<PlanLoad> {
  if (!backend.fetchPlan) return { ok: false, reason: 'this agent takes plans in the message only' };
  const bytes = await backend.fetchPlan(pointer);
  if (sha256Hex(bytes) !== pointer.sha256)
    return { ok: false, reason: 'the plan object does not match the signed digest' };
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the plan object is not JSON' };
  }
  const parsed = planSchema.safeParse(data);
  return parsed.success
    ? { ok: true, plan: parsed.data }
    : { ok: false, reason: 'the plan object is not a valid plan' };
}
