import type { Logger } from '@dockercise/shared';
import { logStreamPrefix } from '@dockercise/shared';
import { queueArn } from '@dockercise/shared/node';
import {
  AsgHostGroup,
  type AwsClients,
  CloudWatchLogSink,
  fetchPlanObject,
  type InstanceMetadata,
  S3CacheStore,
  S3CancelRequests,
  S3HostReports,
  S3JobLedger,
  S3LogSink,
  S3ResultStore,
  S3RunLeases,
  SqsJobQueue,
} from '../backends/aws/index.js';
import { FileHostReports } from '../backends/local/file-host-reports.js';
import type { DiskOps } from '../engine/disk-ops.js';
import type { ContainerEngine, ResourceLimits } from '../engine/engine.js';
import { teeSinks } from '../logs/log-sink.js';
import { RUN_LABEL } from '../runner/run-options.js';
import { DEFAULT_CACHE_MAX_BYTES } from '../store/cache-store.js';
import type { HostReports } from '../store/host-reports.js';
import { Agent, type AgentOptions } from './agent.js';
import { agentVersion } from './agent-version.js';
import type { AgentConfig } from './config.js';
import { HostDiskJanitor } from './disk-janitor.js';
import { HostReporter } from './host-reporter.js';

/** Where the account's resources are, as the configuration names them. */
type AccountResources = Pick<
  AgentConfig,
  'queueUrl' | 'deadLetterQueueUrl' | 'region' | 'bucket' | 'logGroup' | 'publicKey'
>;

/** The EC2 host the agent runs on, when it does: its id, and its Auto Scaling group. */
export interface HostWiring {
  instanceId: string;
  metadata: InstanceMetadata;
  group?: { name: string; scaleInPolicy: string };
  /** Also writes its report here, for the host's watchdog (/run/dockercise/host.json). */
  reportFile?: string;
}

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
  host?: HostWiring;
  /** The host's Docker disk: with it the agent keeps images, volumes and caches in check. */
  disk?: DiskOps & { keepDays?: number; minFreeRatio?: number };
  /** Who the run leases name: the instance id on a host. */
  holder?: string;
  logger: Logger;
  options: AgentOptions;
}

/**
 * The agent on AWS: SQS for jobs, S3 for results, plans, leases and cancel markers, CloudWatch Logs
 * and S3 for logs, the stack's Auto Scaling group for its host. `dockercise-agent` and the tests
 * both build it here, so the tests run what ships.
 */
export function wireAgent(w: AgentWiring): Agent {
  const { aws, logger, host } = w;
  const reports: HostReports[] = [new S3HostReports(aws.s3, w.bucket)];
  if (host?.reportFile) reports.push(new FileHostReports(host.reportFile));
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
        leases: new S3RunLeases(aws.s3, w.bucket),
        holder: w.holder ?? host?.instanceId ?? 'agent',
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
      ...(host?.group
        ? {
            hostGroup: new AsgHostGroup(aws.autoscaling, host.metadata, {
              ...host.group,
              instanceId: host.instanceId,
            }),
          }
        : {}),
      ...(host
        ? {
            host: new HostReporter(
              { save: async (report) => void (await Promise.all(reports.map((r) => r.save(report)))) },
              { instanceId: host.instanceId, agentVersion: agentVersion() },
              logger,
            ),
          }
        : {}),
      ...(w.disk
        ? {
            disk: new HostDiskJanitor(w.disk, logger, {
              keepDays: w.disk.keepDays ?? 7,
              minFreeRatio: w.disk.minFreeRatio ?? 0.2,
              runLabel: RUN_LABEL,
            }),
          }
        : {}),
      logger,
    },
    w.options,
  );
}
