import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Who makes an AWS call, named as the customer stack names the role it runs as: the agent's
 * instance role, the role the control plane assumes, or the control plane's own identity (which
 * only assumes that role).
 */
export type AwsPrincipal = 'AgentRole' | 'ControlPlaneRole' | 'ControlPlane';

/** The env var naming the folder calls are recorded in; unset, nothing is recorded. */
export const AWS_CALL_LOG_ENV = 'DOCKERCISE_AWS_CALL_LOG';

/**
 * One recorded request. Only the fields that name a resource or a condition IAM checks are kept:
 * never a body, a message or a credential.
 */
export interface AwsCallRecord {
  principal: AwsPrincipal;
  /** The SDK client's name without "Client": `SQS`, `S3`, `AutoScaling`… */
  service: string;
  /** The command's name without "Command": `SendMessage`… */
  command: string;
  input: Record<string, string | number | boolean | string[]>;
}

const RESOURCE_FIELDS = [
  'QueueUrl',
  'Bucket',
  'Key',
  'Prefix',
  'IfNoneMatch',
  'IfMatch',
  'AutoScalingGroupName',
  'PolicyName',
  'LifecycleHookName',
  'InstanceId',
  'InstanceIds',
  'logGroupName',
  'logStreamName',
  'logStreamNamePrefix',
  'StackName',
  'LogicalResourceId',
  'RoleArn',
  'ExternalId',
  'Name',
  'SecretId',
] as const;

type Handler = (args: { input: object }) => Promise<unknown>;
type Context = { clientName?: string; commandName?: string };

/** The part of an AWS SDK v3 client the recorder uses. */
export interface RecordableClient {
  middlewareStack: {
    add(
      middleware: (next: Handler, context: Context) => Handler,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

const seen = new Set<string>();

/**
 * Records every request the client sends as `principal`, one JSON line each, in the folder that
 * DOCKERCISE_AWS_CALL_LOG names: what the IAM test (cloudformation/test/iam) evaluates against
 * the policies the stack gives that role. moto checks no permission, so without this a call the
 * role is not granted passes every test and fails in a real account. With the variable unset no
 * middleware is added at all.
 */
export function recordAwsCalls<C extends RecordableClient>(
  client: C,
  principal: AwsPrincipal,
  env: NodeJS.ProcessEnv = process.env,
): C {
  const dir = env[AWS_CALL_LOG_ENV];
  if (!dir) return client;
  const file = join(dir, `${process.pid}.jsonl`);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const record: AwsCallRecord = {
        principal,
        service: (context.clientName ?? '').replace(/Client$/, ''),
        command: (context.commandName ?? '').replace(/Command$/, ''),
        input: pickResourceFields(args.input),
      };
      const line = JSON.stringify(record);
      // The same call from one process is recorded once: polling loops repeat thousands of times.
      if (!seen.has(line)) {
        seen.add(line);
        mkdirSync(dir, { recursive: true });
        appendFileSync(file, `${line}\n`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'dockercise-aws-call-log' },
  );
  return client;
}

function pickResourceFields(input: object): AwsCallRecord['input'] {
  const picked: AwsCallRecord['input'] = {};
  const fields = input as Record<string, unknown>;
  for (const name of RESOURCE_FIELDS) {
    const value = fields[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      picked[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) picked[name] = value;
  }
  // Session tags, which a trust policy conditions on, as `Key=Value` (dockercise's keys have no `=`).
  const tags = fields.Tags;
  if (Array.isArray(tags) && fields.RoleArn !== undefined)
    picked.Tags = tags.map((t: { Key?: unknown; Value?: unknown }) => `${String(t.Key)}=${String(t.Value)}`);
  return picked;
}
