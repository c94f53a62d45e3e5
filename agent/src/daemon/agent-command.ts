import { createAwsClients } from '../backends/aws/clients.js';
import { DockerEngine } from '../engine/docker-engine.js';
import { createLogger } from '../logs/pino-logger.js';
import { QueueUnusableError } from '../queue/job-queue.js';
import { ConfigError, loadAgentConfig, type RawSettings } from './config.js';
import { InstanceMetadata, stopOwnInstance } from './idle-stop.js';
import { wireAgent } from './wire-agent.js';

/** Exit code for a configuration that cannot work (sysexits EX_CONFIG); systemd does not restart on it. */
export const EXIT_CONFIG = 78;

/** The daemon on a customer's host (`dockercise-agent`, or `dockercise agent` in a checkout). Wires the AWS and Docker adapters. */
export async function agentCommand(options: {
  config?: string | undefined;
  logLevel: string;
  flags: RawSettings;
}): Promise<number> {
  const logger = createLogger(options.logLevel);
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
  // The instance the agent runs on, for its host reports; an agent off EC2 (against moto, say) has none.
  const metadata = new InstanceMetadata(config.metadataEndpoint);
  const identity = await metadata.identity().catch((error: unknown) => {
    logger.warn({ err: error }, 'no instance metadata: this host will not report its state');
    return undefined;
  });
  const aws = createAwsClients({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  const agent = wireAgent({
    aws,
    engine: new DockerEngine(),
    queueUrl: config.queueUrl,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    region: config.region,
    bucket: config.bucket,
    logGroup: config.logGroup,
    publicKey: config.publicKey,
    visibilitySeconds: config.visibilityTimeoutSeconds,
    cancelPollMs: config.cancelPollSeconds * 1000,
    stepConcurrency: config.stepConcurrency,
    stepLimits: {
      ...(config.stepMemoryBytes ? { memoryBytes: config.stepMemoryBytes } : {}),
      ...(config.stepCpus ? { cpus: config.stepCpus } : {}),
    },
    cacheMaxBytes: config.cacheMaxBytes,
    retryDelaySeconds: 30,
    ...(identity ? { instanceId: identity.instanceId } : {}),
    stopHost: () =>
      stopOwnInstance(metadata, (region) =>
        region === config.region
          ? aws.ec2
          : createAwsClients({ region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) }).ec2,
      ),
    logger,
    options: {
      concurrency: config.concurrency,
      shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      idleStopMinutes: config.idleStopMinutes,
    },
  });
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
