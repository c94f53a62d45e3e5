export { S3CacheStore } from './backends/aws/s3-cache-store.js';
export { Agent, type AgentDeps, type AgentOptions } from './daemon/agent.js';
export { createAgentCommand } from './daemon/agent-program.js';
export * from './local.js';
export type { JobQueue, QueuedJob } from './queue/job-queue.js';
export { bucketNamespace, type CacheScope } from './runner/cache-scope.js';
export { cacheVolumeName, prepareCaches, saveCaches } from './runner/step-caches.js';
export type { JobLedger } from './store/job-ledger.js';
