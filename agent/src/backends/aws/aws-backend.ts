import { type Logger, logStreamPrefix } from '@dockercise/shared';
import { queueArn } from '@dockercise/shared/node';
import type { AgentBackend } from '../../backend/agent-backend.js';
import { DEFAULT_CACHE_MAX_BYTES } from '../../backend/cache-store.js';
import type { HostReports } from '../../backend/host-reports.js';
import { stsRoleAssumer } from '../../credentials/sts-role-assumer.js';
import { firstOf } from '../../images/registry-auth.js';
import { teeSinks } from '../../logs/log-sink.js';
import { AsgHostGroup } from './asg-host-group.js';
import type { AwsClients } from './clients.js';
import { CloudWatchLogSink } from './cloudwatch-log-sink.js';
import { ecrRegistryAuth } from './ecr-registry-auth.js';
import { FileHostReports } from './file-host-reports.js';
import type { InstanceMetadata } from './instance-metadata.js';
import { S3CacheStore } from './s3-cache-store.js';
import { S3CancelRequests } from './s3-cancel-requests.js';
import { S3HostReports } from './s3-host-reports.js';
import { S3JobLedger } from './s3-job-ledger.js';
import { S3LogSink } from './s3-log-sink.js';
import { fetchPlanObject } from './s3-plan-store.js';
import { S3ResultStore } from './s3-result-store.js';
import { S3RunLeases } from './s3-run-leases.js';
import { S3WorkspaceSnapshots } from './s3-workspace-snapshots.js';
import { secretRegistryAuth } from './secret-registry-auth.js';
import { SqsJobQueue } from './sqs-job-queue.js';

export interface BackendSettings {
  aws: AwsClients;
  queueUrl: string;
  deadLetterQueueUrl: string;
  region: string;
  bucket: string;
  logGroup: string;
  /** How long a received job stays the agent's before SQS offers it again, unless extended. */
  visibilitySeconds: number;
  /** The Secrets Manager secret holding other registries' credentials (a Docker config `auths`). */
  registryCredentialsSecretArn?: string;
  /** Past it a cache archive is not saved to the bucket (2 GiB unless said). */
  cacheMaxBytes?: number;
  /** The EC2 host the agent runs on, when it does. */
  host?: {
    instanceId: string;
    metadata: InstanceMetadata;
    /** Its Auto Scaling group, and the policy that lets an idle host leave it. */
    group?: { name: string; scaleInPolicy: string };
    /** Also writes its report here, for the host's watchdog (/run/dockercise/host.json). */
    reportFile?: string;
  };
  logger: Logger;
}

/**
 * The agent in the customer's AWS account: SQS for jobs, S3 for results, plans, leases, caches and
 * cancel markers, CloudWatch Logs and S3 for logs, the stack's Auto Scaling group for its host.
 */
export function createBackend(s: BackendSettings): AgentBackend {
  const { aws, host, logger } = s;
  // The account is the queue's owner: the stack puts both in the customer's account.
  const queue = queueArn(s.queueUrl, s.region);
  const reports: HostReports[] = [new S3HostReports(aws.s3, s.bucket)];
  if (host?.reportFile) reports.push(new FileHostReports(host.reportFile));
  return {
    queue: new SqsJobQueue(aws.sqs, s.queueUrl, s.deadLetterQueueUrl, s.visibilitySeconds),
    identity: { accountId: queue.split(':')[4] ?? '', queue },
    ledger: new S3JobLedger(aws.s3, s.bucket),
    results: (prefix) => new S3ResultStore(aws.s3, s.bucket, prefix),
    logs: (pipeline, runId, prefix) =>
      teeSinks(
        new CloudWatchLogSink(aws.logs, s.logGroup, logStreamPrefix(pipeline, runId), {
          onRetry: (error, attempt) =>
            logger.warn({ err: error, attempt }, 'CloudWatch Logs throttled; retrying'),
        }),
        new S3LogSink(aws.s3, s.bucket, prefix),
      ),
    fetchPlan: (pointer) => fetchPlanObject(aws.s3, pointer),
    cancelRequests: new S3CancelRequests(aws.s3, s.bucket),
    caches: new S3CacheStore(aws.s3, s.bucket, s.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES),
    snapshots: new S3WorkspaceSnapshots(aws.s3, s.bucket, s.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES),
    leases: new S3RunLeases(aws.s3, s.bucket),
    // With the instance role: the stack lets it assume (and tag) only its StepRoleArns.
    roleAssumer: stsRoleAssumer(aws.sts),
    // ECR with the instance role; other registries with the stack's secret, when it names one.
    registryAuth: s.registryCredentialsSecretArn
      ? firstOf(ecrRegistryAuth(aws.ecr), secretRegistryAuth(aws.secrets, s.registryCredentialsSecretArn))
      : ecrRegistryAuth(aws.ecr),
    ...(host
      ? {
          hostReports: {
            save: async (report) => void (await Promise.all(reports.map((r) => r.save(report)))),
          },
        }
      : {}),
    ...(host?.group
      ? {
          hostGroup: new AsgHostGroup(aws.autoscaling, host.metadata, {
            ...host.group,
            instanceId: host.instanceId,
          }),
        }
      : {}),
  };
}
