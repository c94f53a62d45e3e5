import { hostname } from 'node:os';
import { QueueUnusableError } from '../backend/job-queue.js';
import {
  CloudWatchAgentLog,
  createAwsClients,
  createBackend,
  InstanceMetadata,
} from '../backends/aws/index.js';
import { DockerDisk } from '../engine/docker-disk.js';
import { DockerEngine } from '../engine/docker-engine.js';
import { createLogger } from '../logs/pino-logger.js';
import { ConfigError, loadAgentConfig, type RawSettings } from './config.js';
import { createAgent } from './create-agent.js';

/**
 * Exit code for what restarting cannot fix (sysexits EX_CONFIG): a setting that cannot work, or a
 * queue that is gone or forbidden. systemd does not restart on it (RestartPreventExitStatus), so
 * the unit fails and the host leaves service instead of crash-looping.
 */
export const EXIT_CONFIG = 78;

/** Where the host's watchdog reads the agent's state (dockercise-watchdog). */
const HOST_REPORT_FILE = '/run/dockercise/host.json';

/** The daemon on a customer's host (`dockercise-agent`, or `dockercise agent` in a checkout). Wires the AWS and Docker adapters. */
export async function agentCommand(options: {
  config?: string | undefined;
  logLevel: string;
  flags: RawSettings;
}): Promise<number> {
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
    recordAs: 'AgentRole',
  });
  // The instance the agent runs on: its reports, its group, its own log. An agent off EC2 (against
  // moto, say) has none of these.
  const metadata = new InstanceMetadata(config.metadataEndpoint);
  const identity = await metadata.identity().catch(() => undefined);
  const shipped = identity
    ? new CloudWatchAgentLog(aws.logs, config.logGroup, identity.instanceId)
    : undefined;
  const logger = createLogger(options.logLevel, 'json', shipped);
  if (!identity) logger.warn({}, 'no instance metadata: this host will not report its state');
  if (config.hostGroup && !identity) {
    process.stderr.write('dockercise agent: DOCKERCISE_HOST_GROUP is set, but this is not an EC2 instance\n');
    return EXIT_CONFIG;
  }
  const docker = new DockerEngine();
  const backend = createBackend({
    aws,
    queueUrl: config.queueUrl,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    region: config.region,
    bucket: config.bucket,
    logGroup: config.logGroup,
    visibilitySeconds: config.visibilityTimeoutSeconds,
    cacheMaxBytes: config.cacheMaxBytes,
    ...(config.registryCredentialsSecretArn
      ? { registryCredentialsSecretArn: config.registryCredentialsSecretArn }
      : {}),
    ...(identity
      ? {
          host: {
            instanceId: identity.instanceId,
            metadata,
            reportFile: HOST_REPORT_FILE,
            ...(config.hostGroup ? { group: config.hostGroup } : {}),
          },
        }
      : {}),
    logger,
  });
  const agent = createAgent(
    backend,
    {
      publicKey: config.publicKey,
      concurrency: config.concurrency,
      shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      idleStopMinutes: config.idleStopMinutes,
      visibilitySeconds: config.visibilityTimeoutSeconds,
      cancelPollMs: config.cancelPollSeconds * 1000,
      stepConcurrency: config.stepConcurrency,
      stepLimits: {
        ...(config.stepMemoryBytes ? { memoryBytes: config.stepMemoryBytes } : {}),
        ...(config.stepCpus ? { cpus: config.stepCpus } : {}),
      },
      retryDelaySeconds: 30,
      outputLimitBytes: config.outputLimitBytes,
      artifactLimits: config.artifactLimits,
      stepRoleArns: config.stepRoleArns,
      holder: identity?.instanceId ?? `${hostname()}-${process.pid}`,
      ...(identity ? { instanceId: identity.instanceId } : {}),
    },
    {
      engine: docker,
      ...(identity ? { disk: new DockerDisk(docker.client) } : {}),
      mirrorsDir: config.gitDir,
      logger,
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
      return EXIT_CONFIG;
    }
    throw error;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await shipped?.close();
  }
}
