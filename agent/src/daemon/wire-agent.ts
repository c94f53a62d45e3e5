import type { Logger } from '@dockercise/shared';
import { logStreamPrefix } from '@dockercise/shared';
import { queueArn } from '@dockercise/shared/node';
import {
  type AwsClients,
  CloudWatchLogSink,
  fetchPlanObject,
  S3CacheStore,
  S3CancelRequests,
  S3HostReports,
  S3JobLedger,
  S3LogSink,
  S3ResultStore,
  SqsJobQueue,
} from '../backends/aws/index.js';
import type { ContainerEngine, ResourceLimits } from '../engine/engine.js';
import { teeSinks } from '../logs/log-sink.js';
import { DEFAULT_CACHE_MAX_BYTES } from '../store/cache-store.js';
import { Agent, type AgentOptions } from './agent.js';
import { agentVersion } from './agent-version.js';
import type { AgentConfig } from './config.js';
import { HostReporter } from './host-reporter.js';

/** Where the account's resources are, as the configuration names them. */
type AccountResources = Pick<
  AgentConfig,
  'queueUrl' | 'deadLetterQueueUrl' | 'region' | 'bucket' | 'logGroup' | 'publicKey'
>;

export interface AgentWiring extends AccountResources {
  aws: AwsClients;
  engine: ContainerEngine & { ping(): Promise<void> };
  visibilitySeconds: number;
  cancelPollMs: number;
  stepConcurrency: number;
  stepLimits?: ResourceLimits;
  /** Past it a cache archive is not saved to the bucket (2 GiB unless said). */
  cacheMaxBytes?: number;
  retryDelaySeconds: number;
  stopHost(): Promise<string>;
  /** The EC2 instance the agent runs on: its reports go to the bucket under this id. */
  instanceId?: string;
  logger: Logger;
  options: AgentOptions;
}

/**
 * The agent on AWS: SQS for jobs, S3 for results, plans and cancel markers, CloudWatch Logs and S3
 * for logs. `dockercise-agent` and the tests both build it here, so the tests run what ships.
 */
export function wireAgent(w: AgentWiring): Agent {
  const { aws, logger } = w;
  return new Agent(
    {
      queue: new SqsJobQueue(aws.sqs, w.queueUrl, w.deadLetterQueueUrl, w.visibilitySeconds),
      engine: w.engine,
      handler: {
        publicKey: w.publicKey,
        // The account is the queue's owner: the stack puts both in the customer's account.
        identity: {
          accountId: queueArn(w.queueUrl, w.region).split(':')[4] ?? '',
          queue: queueArn(w.queueUrl, w.region),
        },
        ledger: new S3JobLedger(aws.s3, w.bucket),
        storeFor: (prefix) => new S3ResultStore(aws.s3, w.bucket, prefix),
        caches: new S3CacheStore(aws.s3, w.bucket, w.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES),
        logsFor: (pipeline, runId, prefix) =>
          teeSinks(
            new CloudWatchLogSink(aws.logs, w.logGroup, logStreamPrefix(pipeline, runId), {
              onRetry: (error, attempt) =>
                logger.warn({ err: error, attempt }, 'CloudWatch Logs throttled; retrying'),
            }),
            new S3LogSink(aws.s3, w.bucket, prefix),
          ),
        fetchPlan: (pointer) => fetchPlanObject(aws.s3, pointer),
        cancelRequests: new S3CancelRequests(aws.s3, w.bucket),
        visibilitySeconds: w.visibilitySeconds,
        cancelPollMs: w.cancelPollMs,
        stepConcurrency: w.stepConcurrency,
        ...(w.stepLimits ? { stepLimits: w.stepLimits } : {}),
        retryDelaySeconds: w.retryDelaySeconds,
      },
      stopHost: w.stopHost,
      ...(w.instanceId
        ? {
            host: new HostReporter(
              new S3HostReports(aws.s3, w.bucket),
              { instanceId: w.instanceId, agentVersion: agentVersion() },
              logger,
            ),
          }
        : {}),
      logger,
    },
    w.options,
  );
}
