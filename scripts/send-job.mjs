#!/usr/bin/env node
import { createPrivateKey } from 'node:crypto';
// Sends the agent of docs/agent.md's moto walk-through a signed job for a folder's pipeline, as the
// control plane does for a push: compiled, bound to the queue's account and ARN, signed with the
// key the agent was started with, valid for a day. Prints the run id.
// Usage: node scripts/send-job.mjs --queue-url URL --key KEY.pem [--endpoint URL] [--region R] DIR
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { compilePipeline, formatDiagnostic, newRunId } from '@dockercise/shared';
import {
  JOB_LIFETIME_MS,
  JOB_VERSION,
  jobBodySchema,
  newJobNonce,
  queueArn,
  readPipelineSources,
  signJob,
} from '@dockercise/shared/node';

const { values, positionals } = parseArgs({
  options: {
    'queue-url': { type: 'string' },
    key: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string', default: 'us-east-1' },
  },
  allowPositionals: true,
});
const [dir] = positionals;
if (!dir || !values['queue-url'] || !values.key) {
  process.stderr.write(
    'usage: send-job.mjs --queue-url URL --key KEY.pem [--endpoint URL] [--region R] DIR\n',
  );
  process.exit(64);
}
const root = resolve(dir);
const compiled = compilePipeline(await readPipelineSources(root));
if (!compiled.ok) {
  for (const d of compiled.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  process.exit(1);
}
const queueUrl = values['queue-url'];
const queue = queueArn(queueUrl, values.region);
const issuedAt = new Date();
const pipeline = basename(root).replace(/[^A-Za-z0-9_.-]+/g, '-');
const job = jobBodySchema.parse({
  version: JOB_VERSION,
  runId: newRunId(issuedAt),
  pipeline,
  source: { repository: pipeline, commit: 'manual' },
  event: 'push',
  plan: compiled.plan,
  approvedGates: [],
  accountId: queue.split(':')[4],
  queue,
  nonce: newJobNonce(),
  issuedAt: issuedAt.toISOString(),
  expiresAt: new Date(issuedAt.getTime() + JOB_LIFETIME_MS).toISOString(),
});
const message = signJob(job, createPrivateKey(readFileSync(values.key)));
const sqs = new SQSClient({
  region: values.region,
  ...(values.endpoint ? { endpoint: values.endpoint } : {}),
});
await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
process.stdout.write(`${job.runId}\n`);
