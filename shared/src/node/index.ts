export {
  AWS_CALL_LOG_ENV,
  type AwsCallRecord,
  type AwsPrincipal,
  type RecordableClient,
  recordAwsCalls,
} from './aws-call-log.js';
export { discoverPipelineFiles, readPipelineSources } from './discover.js';
export * from './job.js';
export { PipelineCompiler } from './pipeline-compiler.js';
