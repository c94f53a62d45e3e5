export * from '../job.js';
export { discoverPipelineFiles, readPipelineSources } from './discover.js';
export { PipelineCompiler } from './pipeline-compiler.js';
