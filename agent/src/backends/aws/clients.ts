import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { type RecordableClient, recordAwsCalls } from '@dockercise/shared/node';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsSettings {
  region: string;
  /** A local AWS endpoint (moto) instead of AWS itself. */
  endpoint?: string;
  /**
   * The agent's own clients record their calls for the IAM test (shared/node/aws-call-log.ts);
   * a test's clients for setting up and reading back do not.
   */
  recordAs?: 'AgentRole';
}

/** Longer than SQS's 20-second long poll, so a quiet queue never looks like a timeout. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  autoscaling: AutoScalingClient;
  sts: STSClient;
  ecr: ECRClient;
  secrets: SecretsManagerClient;
}

/**
 * The agent's AWS clients. Credentials come from the SDK's default chain (the instance profile on
 * EC2). Transient errors — throttling, 5xx, dropped connections — are retried by the SDK with
 * exponential backoff and jitter, up to 8 attempts.
 */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const common = {
    region: settings.region,
    maxAttempts: 8,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: REQUEST_TIMEOUT_MS }),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  };
  const record = <C extends RecordableClient>(client: C): C =>
    settings.recordAs ? recordAwsCalls(client, settings.recordAs) : client;
  return {
    sqs: record(new SQSClient(common)),
    // Path-style addressing: a local endpoint has no per-bucket host names.
    s3: record(new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined })),
    logs: record(new CloudWatchLogsClient(common)),
    autoscaling: record(new AutoScalingClient(common)),
    sts: record(new STSClient(common)),
    ecr: record(new ECRClient(common)),
    secrets: record(new SecretsManagerClient(common)),
  };
}

/** The error name the SDK gives, for telling kinds of failure apart. */
export function awsErrorName(error: unknown): string {
  return (error as { name?: string }).name ?? '';
}
