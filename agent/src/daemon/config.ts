import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { publicKeyFrom } from '@dockercise/shared/node';
import { parseMemory } from '../engine/docker-convert.js';

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
  idleStopMinutes: number;
  /** The job lease: SQS visibility timeout, extended every third of it. */
  visibilityTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  cancelPollSeconds: number;
  endpoint?: string;
  metadataEndpoint: string;
  /** The host's Auto Scaling group, and the policy an idle host runs to leave it (both, or neither). */
  hostGroup?: { name: string; scaleInPolicy: string };
}

/** Each setting: its variable (in the file and the environment), its flag, and its default if it has one. */
export const SETTINGS = {
  queueUrl: { env: 'DOCKERCISE_QUEUE_URL', flag: '--queue-url', what: 'the job queue URL' },
  deadLetterQueueUrl: {
    env: 'DOCKERCISE_DEAD_LETTER_QUEUE_URL',
    flag: '--dead-letter-queue-url',
    what: 'the dead-letter queue URL',
  },
  region: { env: 'DOCKERCISE_REGION', flag: '--region', what: 'the AWS region' },
  bucket: { env: 'DOCKERCISE_BUCKET', flag: '--bucket', what: 'the results bucket' },
  logGroup: { env: 'DOCKERCISE_LOG_GROUP', flag: '--log-group', what: 'the CloudWatch Logs group' },
  publicKey: {
    env: 'DOCKERCISE_PUBLIC_KEY',
    flag: '--public-key',
    what: "the control plane's Ed25519 public key",
  },
  concurrency: { env: 'DOCKERCISE_CONCURRENCY', flag: '--concurrency', what: 'jobs at once', default: '2' },
  stepConcurrency: {
    env: 'DOCKERCISE_STEP_CONCURRENCY',
    flag: '--step-concurrency',
    what: 'steps at once in a job',
    default: '4',
  },
  stepMemory: {
    env: 'DOCKERCISE_STEP_MEMORY',
    flag: '--step-memory',
    what: "each step's memory limit, like 4g",
    default: "80% of the host's",
  },
  stepCpus: {
    env: 'DOCKERCISE_STEP_CPUS',
    flag: '--step-cpus',
    what: "each step's CPU limit, like 1.5",
    default: "the host's CPUs",
  },
  cacheMaxSize: {
    env: 'DOCKERCISE_CACHE_MAX_SIZE',
    flag: '--cache-max-size',
    what: 'the largest cache archive saved to the bucket, like 2g',
    default: '2g',
  },
  idleStopMinutes: {
    env: 'DOCKERCISE_IDLE_STOP_MINUTES',
    flag: '--idle-stop-minutes',
    what: 'idle minutes before the host leaves service',
    default: '15',
  },
  hostGroup: {
    env: 'DOCKERCISE_HOST_GROUP',
    flag: '--host-group',
    what: "the host's Auto Scaling group",
  },
  scaleInPolicy: {
    env: 'DOCKERCISE_SCALE_IN_POLICY',
    flag: '--scale-in-policy',
    what: "the group's scale-in-by-one policy, which an idle host runs to leave",
  },
  visibilityTimeoutSeconds: {
    env: 'DOCKERCISE_VISIBILITY_TIMEOUT',
    flag: '--visibility-timeout',
    what: 'the job lease in seconds',
    default: '300',
  },
  shutdownGraceSeconds: {
    env: 'DOCKERCISE_SHUTDOWN_GRACE',
    flag: '--shutdown-grace',
    what: 'seconds jobs get to finish on shutdown',
    default: '120',
  },
  cancelPollSeconds: {
    env: 'DOCKERCISE_CANCEL_POLL',
    flag: '--cancel-poll',
    what: 'seconds between cancel checks',
    default: '5',
  },
  endpoint: { env: 'DOCKERCISE_AWS_ENDPOINT', flag: '--endpoint', what: 'a local AWS endpoint' },
  metadataEndpoint: {
    env: 'DOCKERCISE_METADATA_ENDPOINT',
    flag: '--metadata-endpoint',
    what: 'the instance metadata endpoint',
    default: 'http://169.254.169.254',
  },
} as const;

export type SettingName = keyof typeof SETTINGS;
type IntegerSetting =
  | 'concurrency'
  | 'stepConcurrency'
  | 'idleStopMinutes'
  | 'visibilityTimeoutSeconds'
  | 'shutdownGraceSeconds'
  | 'cancelPollSeconds';
export type RawSettings = Partial<Record<SettingName, string>>;

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
    idleStopMinutes: integer('idleStopMinutes', 0),
    visibilityTimeoutSeconds,
    shutdownGraceSeconds: integer('shutdownGraceSeconds', 0),
    cancelPollSeconds: integer('cancelPollSeconds', 1),
    metadataEndpoint,
    ...(endpoint ? { endpoint } : {}),
    ...(groupName && scaleInPolicy ? { hostGroup: { name: groupName, scaleInPolicy } } : {}),
  };
  if (problems.length > 0 || !publicKey) throw new ConfigError(problems);
  return { ...config, publicKey };
}
