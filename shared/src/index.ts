export * from './pipeline/compile.js';
export * from './pipeline/diagnostics.js';
export * from './pipeline/duration.js';
export { HUMAN_CLICK, STEP_FIELDS } from './pipeline/parse-file.js';
export * from './pipeline/plan.js';
export * from './pipeline/render.js';
export * from './pipeline/suggest.js';
export * from './pipeline/template.js';
export * from './result.js';
