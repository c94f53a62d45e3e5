/** The AWS backend: jobs from SQS, results and logs in S3 and CloudWatch Logs, in the customer's account. */
export { AsgHostGroup } from './asg-host-group.js';
export { type AwsClients, awsErrorName, createAwsClients } from './clients.js';
export { CloudWatchLogSink } from './cloudwatch-log-sink.js';
export { InstanceMetadata } from './instance-metadata.js';
export { S3CacheStore } from './s3-cache-store.js';
export { S3CancelRequests } from './s3-cancel-requests.js';
export { S3HostReports } from './s3-host-reports.js';
export { S3JobLedger } from './s3-job-ledger.js';
export { S3LogSink } from './s3-log-sink.js';
export { fetchPlanObject } from './s3-plan-store.js';
export { S3ResultStore } from './s3-result-store.js';
export { S3RunLeases } from './s3-run-leases.js';
export { SqsJobQueue } from './sqs-job-queue.js';
