import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Logger } from '@dockercise/shared';
import { FINISHED_RUN_STATUSES, newRunId, type Plan, type RunResult, runPrefix } from '@dockercise/shared';
import {
  JOB_LIFETIME_MS,
  JOB_VERSION,
  type JobBody,
  newJobNonce,
  queueArn,
  rawPublicKeyBase64,
  signJob,
} from '@dockercise/shared/node';
import { inject } from 'vitest';
import {
  type AwsClients,
  createAwsClients,
  createBackend,
  InstanceMetadata,
} from '../src/backends/aws/index.js';
import type { Agent, AgentOptions } from '../src/daemon/agent.js';
import { createAgent } from '../src/daemon/create-agent.js';
import type { DiskOps } from '../src/engine/disk-ops.js';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { bindAwsResources } from './aws-call-bindings.js';
import { docker } from './harness.js';

declare module 'vitest' {
  /** The moto_server endpoint that moto.global.ts starts. */
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

export const REGION = 'us-east-1';
// moto accepts any credentials; fixed ones keep the SDK from looking for real ones.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_REGION = REGION;

export const controlPlaneKeys = generateKeyPairSync('ed25519');
export const publicKeyBase64 = rawPublicKeyBase64(controlPlaneKeys.publicKey);

export function endpoint(): string {
  return inject('awsEndpoint');
}

export function clients(): AwsClients {
  return createAwsClients({ region: REGION, endpoint: endpoint() });
}

/** Clients as the agent makes them: what they call is recorded for the IAM test. */
export function agentClients(): AwsClients {
  return createAwsClients({ region: REGION, endpoint: endpoint(), recordAs: 'AgentRole' });
}

/** A fresh queue, dead-letter queue, bucket and log group: the resources one stack would create. */
export interface Account {
  aws: AwsClients;
  queueUrl: string;
  deadLetterQueueUrl: string;
  bucket: string;
  logGroup: string;
}

export async function newAccount(visibilityTimeout = 30): Promise<Account> {
  const aws = clients();
  const id = randomUUID().slice(0, 8);
  const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: `dlq-${id}` }));
  const queue = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: `jobs-${id}`,
      Attributes: { VisibilityTimeout: String(visibilityTimeout) },
    }),
  );
  const bucket = `results-${id}`;
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const logGroup = `/dockercise/${id}`;
  await aws.logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
  bindAwsResources({
    [`jobs-${id}`]: 'JobQueue',
    [`dlq-${id}`]: 'DeadLetterQueue',
    [bucket]: 'ResultsBucket',
    [logGroup]: 'LogGroup',
  });
  return { aws, queueUrl: queue.QueueUrl ?? '', deadLetterQueueUrl: dlq.QueueUrl ?? '', bucket, logGroup };
}

/** A job for this account's agent, valid from now for a day; overrides bend any of it. */
export function jobBody(account: Account, plan: Plan, overrides: Partial<JobBody> = {}): JobBody {
  const now = Date.now();
  return {
    version: JOB_VERSION,
    runId: newRunId(),
    pipeline: 'app',
    source: { repository: 'me/app', commit: 'c0ffee' },
    plan,
    approvedGates: [],
    accountId: queueArn(account.queueUrl, REGION).split(':')[4] ?? '',
    queue: queueArn(account.queueUrl, REGION),
    nonce: newJobNonce(),
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + JOB_LIFETIME_MS).toISOString(),
    ...overrides,
  };
}

export async function sendJob(account: Account, body: JobBody): Promise<void> {
  await sendRaw(account, JSON.stringify(signJob(body, controlPlaneKeys.privateKey)));
}

export async function sendRaw(account: Account, text: string): Promise<void> {
  await account.aws.sqs.send(new SendMessageCommand({ QueueUrl: account.queueUrl, MessageBody: text }));
}

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** An agent in this process, wired exactly as `dockercise agent` wires it. */
export function inProcessAgent(
  account: Account,
  options: Partial<AgentOptions> & {
    visibilitySeconds?: number;
    logger?: Logger;
    engine?: DockerEngine;
    /** The instance it stands for: with one, it reports its state to the bucket. */
    instanceId?: string;
    /** That instance's metadata service (imds.ts), and the Auto Scaling group it is in. */
    metadataUrl?: string;
    group?: { name: string; scaleInPolicy: string };
    disk?: DiskOps;
    /** Its own AWS clients (a fault injected in one of them), else the account's. */
    aws?: AwsClients;
    /**
     * Where it keeps its git mirrors: with one, a job's checkout starts every workspace. Without,
     * the job's checkout is left to the steps, as the tests whose stand-in GitHub serves no git do.
     */
    gitDir?: string;
    /** The roles its steps may assume (the stack's StepRoleArns). */
    stepRoleArns?: string[];
    /** The secret of other registries' credentials (the stack's RegistryCredentialsSecretArn). */
    registryCredentialsSecretArn?: string;
  } = {},
): Agent {
  const aws = options.aws ?? agentClients();
  const logger = options.logger ?? quietLogger;
  const backend = createBackend({
    // Clients of its own, as the agent makes them: the IAM test evaluates what they record.
    aws,
    queueUrl: account.queueUrl,
    deadLetterQueueUrl: account.deadLetterQueueUrl,
    region: REGION,
    bucket: account.bucket,
    logGroup: account.logGroup,
    visibilitySeconds: options.visibilitySeconds ?? 30,
    ...(options.registryCredentialsSecretArn
      ? { registryCredentialsSecretArn: options.registryCredentialsSecretArn }
      : {}),
    ...(options.instanceId
      ? {
          host: {
            instanceId: options.instanceId,
            metadata: new InstanceMetadata(options.metadataUrl ?? 'http://127.0.0.1:9'),
            ...(options.group ? { group: options.group } : {}),
          },
        }
      : {}),
    logger,
  });
  return createAgent(
    backend,
    {
      publicKey: controlPlaneKeys.publicKey,
      concurrency: options.concurrency ?? 2,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
      idleStopMinutes: options.idleStopMinutes ?? 0,
      waitSeconds: options.waitSeconds ?? 1,
      leaveWaitMs: options.leaveWaitMs ?? 10_000,
      lifecyclePollMs: options.lifecyclePollMs ?? 200,
      visibilitySeconds: options.visibilitySeconds ?? 30,
      cancelPollMs: 1000,
      stepConcurrency: 4,
      retryDelaySeconds: 1,
      holder: options.instanceId ?? 'agent',
      ...(options.stepRoleArns ? { stepRoleArns: options.stepRoleArns } : {}),
      ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    },
    {
      engine: options.engine ?? new DockerEngine(docker),
      ...(options.disk ? { disk: options.disk } : {}),
      ...(options.gitDir ? { mirrorsDir: options.gitDir } : {}),
      logger,
    },
  );
}

export async function readObject(account: Account, key: string): Promise<string | undefined> {
  try {
    const object = await account.aws.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: key }));
    return object.Body ? await object.Body.transformToString() : undefined;
  } catch {
    return undefined;
  }
}

export async function readResult(account: Account, body: JobBody): Promise<RunResult | undefined> {
  const text = await readObject(account, `${runPrefix(body.pipeline, body.runId)}result.json`);
  return text ? (JSON.parse(text) as RunResult) : undefined;
}

export async function putObject(account: Account, key: string, body: string): Promise<void> {
  await account.aws.s3.send(new PutObjectCommand({ Bucket: account.bucket, Key: key, Body: body }));
}

export async function deleteObject(account: Account, key: string): Promise<void> {
  await account.aws.s3.send(new DeleteObjectCommand({ Bucket: account.bucket, Key: key }));
}

/** Polls the run's result.json until `accept` takes it, and gives that result. */
export function resultWhen(
  account: Account,
  body: JobBody,
  accept: (result: RunResult) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return eventually(
    async () => {
      const result = await readResult(account, body);
      return result && accept(result) ? result : undefined;
    },
    timeoutMs,
    what,
  );
}

/** The run's result once it has ended, however it ended. */
export function runFinished(account: Account, body: JobBody, timeoutMs = 60_000): Promise<RunResult> {
  return resultWhen(account, body, (r) => FINISHED_RUN_STATUSES.has(r.status), 'the run to end', timeoutMs);
}

/** An agent serving the account until the test's end: its stop is pushed onto `stops`. */
export function servingAgent(
  stops: Array<() => Promise<void>>,
  account: Account,
  options: Parameters<typeof inProcessAgent>[1] = {},
): Agent {
  const agent = inProcessAgent(account, options);
  const done = agent.run();
  stops.push(async () => {
    agent.shutdown();
    await done;
  });
  return agent;
}

/** Polls until `check` gives a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every event of a log stream, oldest first, following CloudWatch's paging to the end. */
export async function logEvents(account: Account, stream: string): Promise<string[]> {
  const client: CloudWatchLogsClient = account.aws.logs;
  const messages: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await client
      .send(
        new GetLogEventsCommand({
          logGroupName: account.logGroup,
          logStreamName: stream,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
      )
      .catch((error: { name?: string }) => {
        if (error.name === 'ResourceNotFoundException') return { events: [], nextForwardToken: undefined };
        throw error;
      });
    messages.push(...(page.events ?? []).map((e) => e.message ?? ''));
    if (!page.nextForwardToken || page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  return messages;
}

export async function queueCounts(
  account: Account,
  url: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await account.aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export async function deadLetters(account: Account): Promise<Array<{ body: string; reason: string }>> {
  const out: Array<{ body: string; reason: string }> = [];
  for (let i = 0; i < 5; i++) {
    const { Messages } = await account.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: account.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    for (const m of Messages ?? [])
      out.push({ body: m.Body ?? '', reason: m.MessageAttributes?.['dockercise-reason']?.StringValue ?? '' });
    if (!Messages?.length && out.length > 0) break;
  }
  return out;
}
