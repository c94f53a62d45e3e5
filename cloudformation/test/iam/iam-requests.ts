import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsCallRecord, AwsPrincipal } from '@dockercise/shared/node';
import { SAMPLE, SAMPLE_RESOURCES } from './sample-stack.js';

/**
 * A recorded call, whatever recorded it: the SDK middleware (shared/node/aws-call-log.ts), or the
 * `aws` wrapper of the host-boot test, which records the CLI's arguments (`cli`).
 */
export interface RecordedCall {
  principal: AwsPrincipal;
  service: string;
  command: string;
  /** Field names folded to lowercase letters and digits: `--log-group-name` and `logGroupName` meet. */
  fields: Record<string, string>;
  /** Where it came from, for the failure message. */
  source: string;
}

/** What IAM evaluates: one action on one resource with the context keys it would see. */
export interface IamRequest {
  principal: AwsPrincipal;
  action: string;
  resource: string;
  context: Record<string, string>;
  call: string;
}

/** `{"bind": name, "to": LogicalId}`: which stack resource a test's own resource stands for. */
export type Bindings = Map<string, string>;

const fold = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Everything recorded in a folder: calls (SDK or CLI) and bindings. */
export function readRecordings(dir: string): { calls: RecordedCall[]; bindings: Bindings } {
  const calls: RecordedCall[] = [];
  const bindings: Bindings = new Map();
  let files: string[] = [];
  try {
    // One folder per process, and one below it per booted host (the host-boot test).
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return { calls, bindings };
  }
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as
        | AwsCallRecord
        | { bind: string; to: string }
        | { principal: AwsPrincipal; cli: string[] };
      if ('bind' in entry) bindings.set(entry.bind, entry.to);
      else if ('cli' in entry) calls.push(fromCli(entry.principal, entry.cli, file));
      else
        calls.push({
          principal: entry.principal,
          service: entry.service,
          command: entry.command,
          fields: {
            ...Object.fromEntries(Object.entries(entry.input).map(([k, v]) => [fold(k), String(v)])),
            ...sessionTagFields(entry.input.Tags),
          },
          source: file,
        });
    }
  }
  return { calls, bindings };
}

/** An AssumeRole's session tags (recorded as `Key=Value`), as `tag:<key>` fields: what a trust policy conditions on. */
function sessionTagFields(tags: unknown): Record<string, string> {
  if (!Array.isArray(tags)) return {};
  return Object.fromEntries(
    tags.map((tag) => {
      const text = String(tag);
      const at = text.indexOf('=');
      return [`tag:${text.slice(0, at)}`, text.slice(at + 1)];
    }),
  );
}

const CLI_SERVICES: Record<string, string> = {
  s3: 'S3',
  ssm: 'SSM',
  logs: 'CloudWatchLogs',
  autoscaling: 'AutoScaling',
  cloudformation: 'CloudFormation',
  sqs: 'SQS',
};

/** `aws logs put-log-events --log-group-name G …` as the SDK's `PutLogEvents {logGroupName: G}`. */
function fromCli(principal: AwsPrincipal, argv: string[], source: string): RecordedCall {
  const words = argv.filter(
    (a, i) =>
      !(a.startsWith('--') && ['--region', '--output', '--query'].includes(a)) &&
      !['--region', '--output', '--query'].includes(argv[i - 1] ?? ''),
  );
  const [service = '', operation = '', ...rest] = words;
  const fields: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    if (word.startsWith('--')) {
      const next = rest[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        fields[fold(word)] = next;
        i++;
      } else fields[fold(word)] = 'true';
    }
  }
  if (service === 's3' && operation === 'cp') {
    // `aws s3 cp - s3://bucket/key` is one PutObject for a small upload from standard input.
    const target = rest.find((w) => w.startsWith('s3://')) ?? '';
    const [, bucket = '', key = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(target) ?? [];
    return { principal, service: 'S3', command: 'PutObject', fields: { bucket, key }, source };
  }
  const command = operation
    .split('-')
    .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
    .join('');
  return { principal, service: CLI_SERVICES[service] ?? service, command, fields, source };
}

type Mapping = {
  action: string;
  resource: (c: RecordedCall, b: Bindings) => string;
  context?: (c: RecordedCall) => Record<string, string>;
  /** Other actions the same call needs, when it carries what they authorise (session tags). */
  also?: (c: RecordedCall) => string[];
};

/** `aws:RequestTag/<key>` for each session tag the call passes. */
const requestTags = (c: RecordedCall): Record<string, string> =>
  Object.fromEntries(
    Object.entries(c.fields)
      .filter(([k]) => k.startsWith('tag:'))
      .map(([k, v]) => [`aws:RequestTag/${k.slice(4)}`, v]),
  );

function logical(name: string | undefined, bindings: Bindings, what: string): string {
  const id = name === undefined ? undefined : bindings.get(name);
  if (!id) throw new Error(`no test said which stack resource the ${what} "${name}" stands for`);
  return id;
}

const queueArn = (c: RecordedCall, b: Bindings) => {
  const name = (c.fields.queueurl ?? '').split('/').pop();
  return SAMPLE_RESOURCES[logical(name, b, 'queue')]?.arn ?? '';
};
const bucketArn = (c: RecordedCall, b: Bindings) =>
  SAMPLE_RESOURCES[logical(c.fields.bucket, b, 'bucket')]?.arn ?? '';
const objectArn = (c: RecordedCall, b: Bindings) => `${bucketArn(c, b)}/${c.fields.key ?? ''}`;
const groupArn = (c: RecordedCall, b: Bindings) =>
  // A call naming only an instance acts on the group that holds it: the stack has one.
  c.fields.autoscalinggroupname === undefined
    ? (SAMPLE_RESOURCES.HostGroup?.arn ?? '')
    : (SAMPLE_RESOURCES[logical(c.fields.autoscalinggroupname, b, 'Auto Scaling group')]?.arn ?? '');
const logGroupName = (c: RecordedCall, b: Bindings) =>
  SAMPLE_RESOURCES[logical(c.fields.loggroupname, b, 'log group')]?.ref ?? '';
const logGroupArn = (c: RecordedCall, b: Bindings) =>
  `arn:aws:logs:${SAMPLE.region}:${SAMPLE.account}:log-group:${logGroupName(c, b)}`;
const logStreamArn = (c: RecordedCall, b: Bindings) =>
  `${logGroupArn(c, b)}:log-stream:${c.fields.logstreamname ?? ''}`;
const stackArn = (c: RecordedCall, b: Bindings) => {
  logical(c.fields.stackname, b, 'stack');
  return SAMPLE.stackId;
};

/**
 * Each SDK command (and CLI operation) the product uses, as IAM authorises it: the action, the
 * resource it names, and the context keys that policies here condition on. From the Service
 * Authorization Reference: https://docs.aws.amazon.com/service-authorization/latest/reference/
 * (HeadBucket and ListObjectsV2 are s3:ListBucket, HeadObject is s3:GetObject, every part of a
 * multipart upload is s3:PutObject).
 */
const MAPPINGS: Record<string, Mapping> = {
  'SQS.SendMessage': { action: 'sqs:SendMessage', resource: queueArn },
  'SQS.ReceiveMessage': { action: 'sqs:ReceiveMessage', resource: queueArn },
  'SQS.DeleteMessage': { action: 'sqs:DeleteMessage', resource: queueArn },
  'SQS.ChangeMessageVisibility': { action: 'sqs:ChangeMessageVisibility', resource: queueArn },
  'SQS.GetQueueAttributes': { action: 'sqs:GetQueueAttributes', resource: queueArn },
  'S3.GetObject': { action: 's3:GetObject', resource: objectArn },
  'S3.HeadObject': { action: 's3:GetObject', resource: objectArn },
  'S3.PutObject': { action: 's3:PutObject', resource: objectArn },
  'S3.CreateMultipartUpload': { action: 's3:PutObject', resource: objectArn },
  'S3.UploadPart': { action: 's3:PutObject', resource: objectArn },
  'S3.CompleteMultipartUpload': { action: 's3:PutObject', resource: objectArn },
  'S3.AbortMultipartUpload': { action: 's3:AbortMultipartUpload', resource: objectArn },
  'S3.ListParts': { action: 's3:ListMultipartUploadParts', resource: objectArn },
  'S3.HeadBucket': { action: 's3:ListBucket', resource: bucketArn },
  'S3.ListObjectsV2': {
    action: 's3:ListBucket',
    resource: bucketArn,
    context: (c): Record<string, string> =>
      c.fields.prefix === undefined ? {} : { 's3:prefix': c.fields.prefix },
  },
  // Authorised on the stream it makes, not the group.
  'CloudWatchLogs.CreateLogStream': { action: 'logs:CreateLogStream', resource: logStreamArn },
  'CloudWatchLogs.PutLogEvents': { action: 'logs:PutLogEvents', resource: logStreamArn },
  'CloudWatchLogs.GetLogEvents': { action: 'logs:GetLogEvents', resource: logStreamArn },
  'CloudWatchLogs.DescribeLogStreams': { action: 'logs:DescribeLogStreams', resource: logGroupArn },
  'AutoScaling.SetDesiredCapacity': { action: 'autoscaling:SetDesiredCapacity', resource: groupArn },
  'AutoScaling.SetInstanceProtection': { action: 'autoscaling:SetInstanceProtection', resource: groupArn },
  'AutoScaling.ExecutePolicy': { action: 'autoscaling:ExecutePolicy', resource: groupArn },
  'AutoScaling.CompleteLifecycleAction': {
    action: 'autoscaling:CompleteLifecycleAction',
    resource: groupArn,
  },
  'AutoScaling.TerminateInstanceInAutoScalingGroup': {
    action: 'autoscaling:TerminateInstanceInAutoScalingGroup',
    resource: groupArn,
  },
  'CloudFormation.DescribeStacks': { action: 'cloudformation:DescribeStacks', resource: stackArn },
  'CloudFormation.SignalResource': { action: 'cloudformation:SignalResource', resource: stackArn },
  'CloudFormation.DescribeStackResource': {
    action: 'cloudformation:DescribeStackResource',
    resource: stackArn,
  },
  'SSM.GetParameter': {
    action: 'ssm:GetParameter',
    resource: (c, b) => SAMPLE_RESOURCES[logical(c.fields.name, b, 'parameter')]?.arn ?? '',
  },
  // An account-wide token: the action has no resource type.
  'ECR.GetAuthorizationToken': { action: 'ecr:GetAuthorizationToken', resource: () => '*' },
  'SecretsManager.GetSecretValue': {
    action: 'secretsmanager:GetSecretValue',
    resource: (c, b) => SAMPLE_RESOURCES[logical(c.fields.secretid, b, 'secret')]?.arn ?? '',
  },
  'STS.AssumeRole': {
    action: 'sts:AssumeRole',
    resource: (c, b) => SAMPLE_RESOURCES[logical(c.fields.rolearn, b, 'role')]?.arn ?? '',
    context: (c): Record<string, string> => ({
      ...(c.fields.externalid ? { 'sts:ExternalId': SAMPLE.externalId } : {}),
      ...requestTags(c),
    }),
    // Passing session tags is sts:TagSession on the role too.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
    also: (c) => (Object.keys(requestTags(c)).length > 0 ? ['sts:TagSession'] : []),
  },
};

/** The IAM requests a recorded call makes (one per action it needs), or why they cannot be told. */
export function toIamRequests(call: RecordedCall, bindings: Bindings): IamRequest[] {
  const name = `${call.service}.${call.command}`;
  const mapping = MAPPINGS[name];
  if (!mapping) throw new Error(`${name} (${call.principal}) has no IAM mapping in iam-requests.ts`);
  const resource = mapping.resource(call, bindings);
  // Every SDK and the CLI reach AWS over TLS: the bucket policy denies anything else.
  const context = { 'aws:SecureTransport': 'true', ...(mapping.context?.(call) ?? {}) };
  return [mapping.action, ...(mapping.also?.(call) ?? [])].map((action) => ({
    principal: call.principal,
    action,
    resource,
    context,
    call: name,
  }));
}

export const mappedCommands = (): string[] => Object.keys(MAPPINGS);
