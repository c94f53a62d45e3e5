export * from '../job.js';
export { discoverPipelineFiles, readPipelineSources } from './discover.js';
