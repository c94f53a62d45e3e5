export { discoverPipelineFiles, readPipelineSources } from './discover.js';
