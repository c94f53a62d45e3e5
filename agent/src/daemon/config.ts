import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { publicKeyFrom } from '@dockercise/shared/node';
import { parseMemory } from '../engine/docker-convert.js';
import { type RawSettings, SETTINGS, type SettingName } from './settings.js';

export { type RawSettings, SETTINGS, type SettingName } from './settings.js';

export const DEFAULT_CONFIG_FILE = '/etc/dockercise/agent.env';

export interface AgentConfig {
  queueUrl: string;
  deadLetterQueueUrl: string;
  region: string;
  bucket: string;
  logGroup: string;
  publicKey: KeyObject;
  /** Jobs at once. */
  concurrency: number;
  /** Steps at once within a job. */
  stepConcurrency: number;
  /** Each step's memory and CPUs; unset, most of the host's (see stepLimits). */
  stepMemoryBytes?: number;
  stepCpus?: number;
  /** Past it a cache archive is not saved to the bucket. */
  cacheMaxBytes: number;
  /** Where the host keeps a git mirror of each repository, and the runs' checkouts. */
  gitDir: string;
  /** The most of a step's stdout kept as its output, unless the step says otherwise. */
  outputLimitBytes: number;
  /** The largest artifact file, and the most a run's artifacts keep in all. */
  artifactLimits: { fileBytes: number; runBytes: number };
  idleStopMinutes: number;
  /** The job lease: SQS visibility timeout, extended every third of it. */
  visibilityTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  cancelPollSeconds: number;
  /** The secret with other registries' credentials, when the stack names one. */
  registryCredentialsSecretArn?: string;
  /** The roles steps may assume (`aws-role`); none unless the stack lists some. */
  stepRoleArns: string[];
  endpoint?: string;
  metadataEndpoint: string;
  /** The host's Auto Scaling group, and the policy an idle host runs to leave it (both, or neither). */
  hostGroup?: { name: string; scaleInPolicy: string };
}

type IntegerSetting =
  | 'concurrency'
  | 'stepConcurrency'
  | 'idleStopMinutes'
  | 'visibilityTimeoutSeconds'
  | 'shutdownGraceSeconds'
  | 'cancelPollSeconds';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`the agent's configuration is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `KEY=value` lines; `#` comments and blank lines are skipped; values may be quoted. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line
      .slice(0, eq)
      .trim()
      .replace(/^export\s+/, '');
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
      value = value.slice(1, -1);
    values[key] = value.replace(/\\n/g, '\n');
  }
  return values;
}

/**
 * Merges the file, the environment and the flags (flags win, then the environment) and checks
 * everything at once, so one start shows every problem.
 */
export async function loadAgentConfig(options: {
  file?: string;
  env: NodeJS.ProcessEnv;
  flags: RawSettings;
}): Promise<AgentConfig> {
  const problems: string[] = [];
  let fromFile: Record<string, string> = {};
  const file = options.file ?? DEFAULT_CONFIG_FILE;
  try {
    fromFile = parseEnvFile(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // The default file is optional; a file named on the command line must exist.
    if (options.file !== undefined || code !== 'ENOENT')
      problems.push(`cannot read ${file}: ${code ?? String(error)}`);
  }
  const value = (name: SettingName): string | undefined => {
    const setting = SETTINGS[name];
    const v = options.flags[name] ?? options.env[setting.env] ?? fromFile[setting.env];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (name: SettingName): string => {
    const v = value(name);
    if (v === undefined) {
      const s = SETTINGS[name];
      problems.push(`${s.env} is missing: ${s.what} (set it in ${file}, the environment, or ${s.flag})`);
    }
    return v ?? '';
  };
  const integer = (name: IntegerSetting, min: number): number => {
    const fallback = Number(SETTINGS[name].default);
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${SETTINGS[name].env}=${v} is not a whole number of at least ${min}`);
      return fallback;
    }
    return n;
  };
  const limits = (): { stepMemoryBytes?: number; stepCpus?: number } => {
    const memory = value('stepMemory');
    const cpus = value('stepCpus');
    const memoryBytes = memory === undefined ? undefined : parseMemory(memory);
    if (memory !== undefined && memoryBytes === undefined)
      problems.push(`${SETTINGS.stepMemory.env}=${memory} is not a size; write it like 512m or 4g`);
    const cpuCount = cpus === undefined ? undefined : Number(cpus);
    if (cpuCount !== undefined && !(cpuCount > 0))
      problems.push(`${SETTINGS.stepCpus.env}=${cpus} is not a number of CPUs above zero`);
    return {
      ...(memoryBytes ? { stepMemoryBytes: memoryBytes } : {}),
      ...(cpuCount && cpuCount > 0 ? { stepCpus: cpuCount } : {}),
    };
  };
  const url = (name: SettingName, v: string | undefined): void => {
    if (v === undefined) return;
    try {
      new URL(v);
    } catch {
      problems.push(`${SETTINGS[name].env}=${v} is not a URL`);
    }
  };

  const queueUrl = required('queueUrl');
  const deadLetterQueueUrl = required('deadLetterQueueUrl');
  url('queueUrl', queueUrl || undefined);
  url('deadLetterQueueUrl', deadLetterQueueUrl || undefined);
  const region = value('region') ?? options.env.AWS_REGION ?? fromFile.AWS_REGION ?? required('region');
  const bucket = required('bucket');
  const logGroup = required('logGroup');
  const keyText = required('publicKey');
  let publicKey: KeyObject | undefined;
  if (keyText) {
    try {
      publicKey = publicKeyFrom(keyText);
      if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    } catch {
      problems.push(
        `${SETTINGS.publicKey.env} is not an Ed25519 public key (PEM, or its 32 bytes in base64)`,
      );
    }
  }
  const visibilityTimeoutSeconds = integer('visibilityTimeoutSeconds', 30);
  if (visibilityTimeoutSeconds > 43_200)
    problems.push(`${SETTINGS.visibilityTimeoutSeconds.env} may be at most 43200 (12 hours, SQS's limit)`);
  const cacheMaxSize = value('cacheMaxSize') ?? SETTINGS.cacheMaxSize.default;
  const cacheMaxBytes = parseMemory(cacheMaxSize);
  if (cacheMaxBytes === undefined)
    problems.push(`${SETTINGS.cacheMaxSize.env}=${cacheMaxSize} is not a size; write it like 512m or 2g`);
  const outputLimit = value('outputLimit') ?? SETTINGS.outputLimit.default;
  const outputLimitBytes = parseMemory(outputLimit);
  if (outputLimitBytes === undefined || outputLimitBytes > 64 * 1024 ** 2)
    problems.push(
      `${SETTINGS.outputLimit.env}=${outputLimit} is not a size up to 64m; write it like 512k or 4m`,
    );
  const artifactSize = (name: 'artifactMaxFileSize' | 'artifactMaxRunSize'): number => {
    const text = value(name) ?? SETTINGS[name].default;
    const bytes = parseMemory(text);
    if (bytes === undefined)
      problems.push(`${SETTINGS[name].env}=${text} is not a size; write it like 512m or 2g`);
    return bytes ?? 0;
  };
  const artifactLimits = {
    fileBytes: artifactSize('artifactMaxFileSize'),
    runBytes: artifactSize('artifactMaxRunSize'),
  };
  const endpoint = value('endpoint');
  url('endpoint', endpoint);
  const metadataEndpoint = value('metadataEndpoint') ?? SETTINGS.metadataEndpoint.default;
  url('metadataEndpoint', metadataEndpoint);
  const groupName = value('hostGroup');
  const scaleInPolicy = value('scaleInPolicy');
  if ((groupName === undefined) !== (scaleInPolicy === undefined))
    problems.push(
      `${SETTINGS.hostGroup.env} and ${SETTINGS.scaleInPolicy.env} go together: give both (the stack writes them) or neither`,
    );

  const registryCredentialsSecretArn = value('registryCredentialsSecretArn');
  const config = {
    queueUrl,
    deadLetterQueueUrl,
    region,
    bucket,
    logGroup,
    concurrency: integer('concurrency', 1),
    stepConcurrency: integer('stepConcurrency', 1),
    ...limits(),
    cacheMaxBytes: cacheMaxBytes ?? 0,
    gitDir: value('gitDir') ?? SETTINGS.gitDir.default,
    outputLimitBytes: outputLimitBytes ?? 0,
    artifactLimits,
    idleStopMinutes: integer('idleStopMinutes', 0),
    visibilityTimeoutSeconds,
    shutdownGraceSeconds: integer('shutdownGraceSeconds', 0),
    cancelPollSeconds: integer('cancelPollSeconds', 1),
    ...(registryCredentialsSecretArn ? { registryCredentialsSecretArn } : {}),
    stepRoleArns: (value('stepRoleArns') ?? '')
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean),
    metadataEndpoint,
    ...(endpoint ? { endpoint } : {}),
    ...(groupName && scaleInPolicy ? { hostGroup: { name: groupName, scaleInPolicy } } : {}),
  };
  if (problems.length > 0 || !publicKey) throw new ConfigError(problems);
  return { ...config, publicKey };
}
