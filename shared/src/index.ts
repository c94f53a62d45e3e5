export * from './api.js';
export * from './host.js';
export * from './language.js';
export * from './launch-link.js';
export * from './layout.js';
export * from './logger.js';
export * from './pipeline/plan-schema.js';
export * from './result.js';
