import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawPublicKeyBase64 } from '@dockercise/shared/node';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig, parseEnvFile } from './config.js';

const key = rawPublicKeyBase64(generateKeyPairSync('ed25519').publicKey);
const complete = {
  DOCKERCISE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs',
  DOCKERCISE_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
  DOCKERCISE_REGION: 'eu-west-1',
  DOCKERCISE_BUCKET: 'results',
  DOCKERCISE_LOG_GROUP: '/dockercise',
  DOCKERCISE_PUBLIC_KEY: key,
};

async function fileWith(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'agent-env-')), 'agent.env');
  await writeFile(path, text);
  return path;
}

describe('agent configuration', () => {
  it('reads KEY=value files with comments, quotes and export', () => {
    expect(parseEnvFile('# a comment\nexport A=1\nB="two words"\n\nC=\'x=y\'\nbroken line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x=y',
    });
  });

  it('takes flags over the environment over the file, with defaults for the rest', async () => {
    const file = await fileWith(
      Object.entries(complete)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const config = await loadAgentConfig({
      file,
      env: { DOCKERCISE_BUCKET: 'from-env', DOCKERCISE_STEP_MEMORY: '2g' },
      flags: { logGroup: '/from-flag', stepCpus: '1.5' },
    });
    expect(config).toMatchObject({
      bucket: 'from-env',
      logGroup: '/from-flag',
      region: 'eu-west-1',
      concurrency: 2,
      stepConcurrency: 4,
      idleStopMinutes: 15,
      visibilityTimeoutSeconds: 300,
      shutdownGraceSeconds: 120,
      metadataEndpoint: 'http://169.254.169.254',
      stepMemoryBytes: 2 * 1024 ** 3,
      stepCpus: 1.5,
      outputLimitBytes: 1024 ** 2,
      artifactLimits: { fileBytes: 1024 ** 3, runBytes: 5 * 1024 ** 3 },
      gitDir: '/var/lib/dockercise/git',
    });
    expect(config.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(config.endpoint).toBeUndefined();
  });

  it('lists every problem at once', async () => {
    const error = await loadAgentConfig({
      file: '/nonexistent/agent.env',
      env: {
        DOCKERCISE_QUEUE_URL: 'not a url',
        DOCKERCISE_IDLE_STOP_MINUTES: '-1',
        DOCKERCISE_VISIBILITY_TIMEOUT: '99999',
        DOCKERCISE_STEP_MEMORY: 'lots',
        DOCKERCISE_STEP_CPUS: '0',
        DOCKERCISE_OUTPUT_LIMIT: '1g',
        DOCKERCISE_ARTIFACT_MAX_RUN_SIZE: 'plenty',
      },
      flags: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'cannot read /nonexistent/agent.env: ENOENT',
      'DOCKERCISE_DEAD_LETTER_QUEUE_URL is missing: the dead-letter queue URL (set it in /nonexistent/agent.env, the environment, or --dead-letter-queue-url)',
      'DOCKERCISE_QUEUE_URL=not a url is not a URL',
      'DOCKERCISE_REGION is missing: the AWS region (set it in /nonexistent/agent.env, the environment, or --region)',
      'DOCKERCISE_BUCKET is missing: the results bucket (set it in /nonexistent/agent.env, the environment, or --bucket)',
      'DOCKERCISE_LOG_GROUP is missing: the CloudWatch Logs group (set it in /nonexistent/agent.env, the environment, or --log-group)',
      "DOCKERCISE_PUBLIC_KEY is missing: the control plane's Ed25519 public key (set it in /nonexistent/agent.env, the environment, or --public-key)",
      "DOCKERCISE_VISIBILITY_TIMEOUT may be at most 43200 (12 hours, SQS's limit)",
      'DOCKERCISE_OUTPUT_LIMIT=1g is not a size up to 64m; write it like 512k or 4m',
      'DOCKERCISE_ARTIFACT_MAX_RUN_SIZE=plenty is not a size; write it like 512m or 2g',
      'DOCKERCISE_STEP_MEMORY=lots is not a size; write it like 512m or 4g',
      'DOCKERCISE_STEP_CPUS=0 is not a number of CPUs above zero',
      'DOCKERCISE_IDLE_STOP_MINUTES=-1 is not a whole number of at least 0',
    ]);
  });

  it('refuses a key that is not Ed25519', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    const error = await loadAgentConfig({
      env: { ...complete, DOCKERCISE_PUBLIC_KEY: rsa },
      flags: {},
      file: await fileWith(''),
    }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([
      'DOCKERCISE_PUBLIC_KEY is not an Ed25519 public key (PEM, or its 32 bytes in base64)',
    ]);
  });
});
