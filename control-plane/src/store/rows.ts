import { planSchema, runStatusSchema } from '@dockercise/shared';
import { z } from 'zod';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AccountClaim, AwsAccount, Build, Repo, RunRecord, User } from './store.js';

/**
 * Rows of either store decoded into records, once, where they leave the database: JSON columns are
 * parsed and validated here, secrets opened, and NULL columns left out of the record. SQLite and
 * PostgreSQL keep the same columns with the same kinds of values (times as ISO text, JSON as text,
 * flags as 0/1), so one set of decoders serves both.
 */
export type Row = Record<string, unknown>;

const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const strings = z.array(z.string());
const stringList = (v: unknown): string[] | undefined =>
  v ? strings.parse(JSON.parse(String(v))) : undefined;

/**
 * The record with its NULL columns left out, so optional fields are absent rather than `undefined`
 * (what exactOptionalPropertyTypes asks). Every field must be named, so none is forgotten.
 */
const defined = <R extends object>(fields: { [K in keyof R]-?: R[K] | undefined }): R =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as R;

const runSummarySchema = z.object({
  status: runStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
});

const reportedSchema = z.object({
  state: z.enum(['pending', 'success', 'failure', 'error']),
  description: z.string(),
});
const rerunSchema = z.object({ attempt: z.number().int().min(2), scope: z.enum(['failed', 'all']) });

const eventOf = (v: unknown): 'push' | 'pull_request' | undefined =>
  v === 'push' || v === 'pull_request' ? v : undefined;

export function userFromRow(row: Row, box: SecretBox): User {
  return {
    id: Number(row.id),
    githubId: Number(row.github_id),
    login: String(row.login),
    token: box.open(String(row.token)),
    sessionVersion: Number(row.session_version),
  };
}

export function accountFromRow(row: Row, box: SecretBox): AwsAccount {
  return defined<AwsAccount>({
    accountId: String(row.account_id),
    ownerId: Number(row.owner_id),
    externalId: box.open(String(row.external_id)),
    region: String(row.region),
    roleArn: text(row.role_arn),
    queueUrl: text(row.queue_url),
    deadLetterQueueUrl: text(row.dead_letter_queue_url),
    bucket: text(row.bucket),
    logGroup: text(row.log_group),
    hostGroup: text(row.host_group),
    maxHosts: num(row.max_hosts),
    jobsPerHost: num(row.jobs_per_host),
    verifiedAt: text(row.verified_at),
    capacityRequestedAt: text(row.capacity_requested_at),
    capacityWanted: num(row.capacity_wanted),
  });
}

export function claimFromRow(row: Row, box: SecretBox): AccountClaim {
  return {
    userId: Number(row.user_id),
    accountId: String(row.account_id),
    externalId: box.open(String(row.external_id)),
    region: String(row.region),
    expiresAt: String(row.expires_at),
  };
}

export function repoFromRow(row: Row, box: SecretBox): Repo {
  return defined<Repo>({
    id: Number(row.id),
    fullName: String(row.full_name),
    ownerId: Number(row.owner_id),
    accountId: String(row.account_id),
    webhookId: num(row.webhook_id),
    webhookSecret: box.open(String(row.webhook_secret)),
    deployKeyId: num(row.deploy_key_id),
    deployPrivateKey: box.open(String(row.deploy_private_key)),
  });
}

export function buildFromRow(row: Row): Build {
  return defined<Build>({
    deliveryId: String(row.delivery_id),
    repoId: Number(row.repo_id),
    commit: String(row.commit_sha),
    branch: text(row.branch),
    message: text(row.message),
    triggeredBy: text(row.triggered_by),
    changed: stringList(row.changed),
    event: eventOf(row.event),
    held: Number(row.held) === 1 ? true : undefined,
    checkoutRef: text(row.checkout_ref),
    defaultBranch: text(row.default_branch),
    tag: text(row.tag),
    status: row.status as Build['status'],
    attempts: Number(row.attempts),
    notBefore: text(row.not_before),
    error: text(row.error),
  });
}

export function runFromRow(row: Row): RunRecord {
  return defined<RunRecord>({
    runId: String(row.run_id),
    repoId: Number(row.repo_id),
    accountId: String(row.account_id),
    pipeline: String(row.pipeline),
    commit: String(row.commit_sha),
    branch: text(row.branch),
    message: text(row.message),
    triggeredBy: text(row.triggered_by),
    changed: stringList(row.changed),
    deliveryId: text(row.delivery_id),
    status: row.status as RunRecord['status'],
    event: eventOf(row.event),
    held: Number(row.held) === 1 ? true : undefined,
    fork: Number(row.fork) === 1 ? true : undefined,
    checkoutRef: text(row.checkout_ref),
    defaultBranch: text(row.default_branch),
    tag: text(row.tag),
    plan: row.plan ? planSchema.parse(JSON.parse(String(row.plan))) : undefined,
    errors: stringList(row.errors),
    approvedGates: strings.parse(JSON.parse(String(row.approved_gates))),
    createdAt: String(row.created_at),
    sentAt: text(row.sent_at),
    summary: row.summary ? runSummarySchema.parse(JSON.parse(String(row.summary))) : undefined,
    rerun: row.rerun ? rerunSchema.parse(JSON.parse(String(row.rerun))) : undefined,
    reportedStatus: row.reported_status
      ? reportedSchema.parse(JSON.parse(String(row.reported_status)))
      : undefined,
  });
}
