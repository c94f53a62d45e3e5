/**
 * The plan: a validated pipeline, ready to run. It travels in queue messages, so it is compact,
 * JSON-only, and deterministic (the same files always give the same bytes). Its schema is in
 * plan-schema.ts, the functions that read it in plan.ts; the version is apart from both, which
 * each need.
 */
export const PLAN_VERSION = 1;
