/** The AWS backend: jobs from SQS, results and logs in S3 and CloudWatch Logs, in the customer's account. */
export { type BackendSettings, createBackend } from './aws-backend.js';
export { type AwsClients, awsErrorName, createAwsClients } from './clients.js';
export { CloudWatchAgentLog } from './cloudwatch-agent-log.js';
export { InstanceMetadata } from './instance-metadata.js';
export { S3CacheStore } from './s3-cache-store.js';
