import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../aws/clients.js';
import { Agent } from '../daemon/agent.js';
import { S3CancelRequests } from '../daemon/cancel-watch.js';
import { ConfigError, loadAgentConfig, type RawSettings } from '../daemon/config.js';
import { InstanceMetadata, stopOwnInstance } from '../daemon/idle-stop.js';
import { DockerEngine } from '../engine/docker-engine.js';
import { CloudWatchLogSink } from '../logs/cloudwatch-log-sink.js';
import { teeSinks } from '../logs/log-sink.js';
import { S3LogSink } from '../logs/s3-log-sink.js';
import { QueueUnusableError } from '../queue/job-queue.js';
import { SqsJobQueue } from '../queue/sqs-job-queue.js';
import { S3ResultStore } from '../store/s3-result-store.js';
import { createLogger } from './logger.js';

/** Exit code for a configuration that cannot work (sysexits EX_CONFIG); systemd does not restart on it. */
export const EXIT_CONFIG = 78;

/** `dockercise agent`: the daemon on a customer's host. Wires the AWS and Docker adapters. */
export async function agentCommand(options: {
  config?: string;
  logLevel: string;
  flags: RawSettings;
}): Promise<number> {
  const logger = createLogger(options.logLevel === 'warn' ? 'info' : options.logLevel);
  let config: Awaited<ReturnType<typeof loadAgentConfig>>;
  try {
    config = await loadAgentConfig({
      ...(options.config ? { file: options.config } : {}),
      env: process.env,
      flags: options.flags,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`dockercise agent: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  const aws = createAwsClients({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  const engine = new DockerEngine();
  const agent = new Agent(
    {
      queue: new SqsJobQueue(
        aws.sqs,
        config.queueUrl,
        config.deadLetterQueueUrl,
        config.visibilityTimeoutSeconds,
      ),
      engine,
      handler: {
        publicKey: config.publicKey,
        storeFor: (prefix) => new S3ResultStore(aws.s3, config.bucket, prefix),
        logsFor: (pipeline, runId, prefix) =>
          teeSinks(
            new CloudWatchLogSink(aws.logs, config.logGroup, `${pipeline}/${runId}/`, {
              onRetry: (error, attempt) =>
                logger.warn({ err: error, attempt }, 'CloudWatch Logs throttled; retrying'),
            }),
            new S3LogSink(aws.s3, config.bucket, prefix),
          ),
        fetchPlan: async (pointer) => {
          const object = await aws.s3.send(
            new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }),
          );
          return object.Body ? object.Body.transformToByteArray() : new Uint8Array();
        },
        cancelRequests: new S3CancelRequests(aws.s3, config.bucket),
        visibilitySeconds: config.visibilityTimeoutSeconds,
        cancelPollMs: config.cancelPollSeconds * 1000,
        stepConcurrency: config.stepConcurrency,
        retryDelaySeconds: 30,
      },
      stopHost: () =>
        stopOwnInstance(new InstanceMetadata(config.metadataEndpoint), (region) =>
          region === config.region
            ? aws.ec2
            : createAwsClients({ region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) }).ec2,
        ),
      logger,
    },
    {
      concurrency: config.concurrency,
      shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      idleStopMinutes: config.idleStopMinutes,
    },
  );
  const onSignal = (): void => agent.shutdown();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await agent.run();
    return 0;
  } catch (error) {
    if (error instanceof QueueUnusableError) {
      logger.error({ err: error }, 'the job queue cannot be used; stopping');
      process.stderr.write(`dockercise agent: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
