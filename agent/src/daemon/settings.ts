/**
 * The daemon's settings as the command line and the settings file name them: apart from config.ts,
 * so defining the `agent` command (which every `dockercise` start does) loads nothing else.
 */
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
  outputLimit: {
    env: 'DOCKERCISE_OUTPUT_LIMIT',
    flag: '--output-limit',
    what: "the most of a step's stdout kept as its output, like 4m (a step may raise its own)",
    default: '1m',
  },
  artifactMaxFileSize: {
    env: 'DOCKERCISE_ARTIFACT_MAX_FILE_SIZE',
    flag: '--artifact-max-file-size',
    what: 'the largest file a step keeps as an artifact, like 1g',
    default: '1g',
  },
  artifactMaxRunSize: {
    env: 'DOCKERCISE_ARTIFACT_MAX_RUN_SIZE',
    flag: '--artifact-max-run-size',
    what: "the most a run's artifacts keep in all, like 5g",
    default: '5g',
  },
  gitDir: {
    env: 'DOCKERCISE_GIT_DIR',
    flag: '--git-dir',
    what: 'where the host keeps its git mirrors and checkouts (on disk, not a tmpfs)',
    default: '/var/lib/dockercise/git',
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
  registryCredentialsSecretArn: {
    env: 'DOCKERCISE_REGISTRY_CREDENTIALS_SECRET_ARN',
    flag: '--registry-credentials-secret-arn',
    what: "the Secrets Manager secret with other registries' credentials (a Docker config auths): the stack's RegistryCredentialsSecretArn",
  },
  stepRoleArns: {
    env: 'DOCKERCISE_STEP_ROLE_ARNS',
    flag: '--step-role-arns',
    what: "the roles steps may assume (aws-role), comma-separated: the stack's StepRoleArns",
    default: 'none',
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
export type RawSettings = Partial<Record<SettingName, string>>;
