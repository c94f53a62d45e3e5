/**
 * The pipeline language alone — parse, compile, render, filters — without the message and result
 * schemas (and zod): what `dockercise validate` loads. The package's main entry exports all of it too.
 */
export * from './pipeline/compile.js';
export * from './pipeline/diagnostics.js';
export * from './pipeline/duration.js';
export * from './pipeline/filters.js';
export * from './pipeline/limits.js';
export { HUMAN_CLICK, STEP_FIELDS } from './pipeline/parse-file.js';
export * from './pipeline/plan.js';
export * from './pipeline/render.js';
export { DEFAULT_READY_TIMEOUT_SECONDS, MAX_SERVICES, type PlanService } from './pipeline/services-field.js';
export { EVENTS, HOST_LOST, type Retry, type RunEvent, type When } from './pipeline/step-options.js';
export * from './pipeline/suggest.js';
export * from './pipeline/template.js';
