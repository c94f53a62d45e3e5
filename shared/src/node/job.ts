import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { z } from 'zod';
import { planSchema } from '../pipeline/plan-schema.js';
import { EVENTS } from '../pipeline/step-options.js';

/**
 * The job message the control plane puts on a customer's queue, and the agent runs. The control
 * plane signs it with Ed25519 over its canonical JSON (every key sorted, no spaces, without the
 * `signature` field); the agent verifies it with the control plane's public key before anything runs.
 */
export const JOB_VERSION = 2;

/** How long a signed job may be run after it was issued; a resend gets a fresh one. */
export const JOB_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** How far the agent's clock may be from the control plane's. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The account id the local server's jobs are bound to. */
export const LOCAL_ACCOUNT_ID = 'local';
/** The queue of the local server's in-process agent, as jobs name it. */
export const LOCAL_QUEUE = 'local:in-process';

/** SQS's message limit is 256 KiB; past this a plan travels as an S3 object and the message points at it. */
export const MAX_INLINE_JOB_BYTES = 240 * 1024;

const planPointerSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** sha256 (hex) of the object: the signature covers it, so a swapped object is refused. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * How steps clone the repository. `ref` is fetched when the commit is not on a branch of the
 * repository (a fork's pull request: `refs/pull/<n>/head`, which GitHub keeps in the base
 * repository). `knownHosts` is the Git host's SSH host key for a GitHub Enterprise Server; without
 * it, github.com's published key. Both are signed with the rest of the job.
 */
export const checkoutSchema = z.object({
  url: z.string().regex(/^git@[A-Za-z0-9][A-Za-z0-9.-]*:[\w.-]+\/[\w.-]+\.git$/),
  commit: z.string(),
  deployKey: z.string(),
  ref: z
    .string()
    .regex(/^refs\/[\w./-]+$/)
    .optional(),
  knownHosts: z.string().max(16_384).optional(),
});

export type Checkout = z.infer<typeof checkoutSchema>;

export const jobBodySchema = z
  .object({
    version: z.literal(JOB_VERSION),
    runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
    pipeline: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
    source: z.object({
      repository: z.string(),
      commit: z.string(),
      branch: z.string().optional(),
      /** The repository's default branch: whose caches a run reads after its own branch's. */
      defaultBranch: z.string().optional(),
      /** A push of a tag: its name (the run is of no branch). */
      tag: z.string().optional(),
    }),
    /** What started the run, and the files it changed when known: what steps' `when` filters see. */
    event: z.enum(EVENTS).optional(),
    changed: z.array(z.string()).max(10_000).optional(),
    /** A fork's pull request: its steps never get an AWS role (`aws-role`). */
    fork: z.boolean().optional(),
    plan: planSchema.optional(),
    planPointer: planPointerSchema.optional(),
    approvedGates: z.array(z.string()),
    /** Who approved each approved gate (their GitHub login): a step's role session is tagged with it. */
    approvers: z.record(z.string(), z.string().max(256)).optional(),
    /**
     * Run an ended run again as a new attempt: only what did not succeed (and what rebuilds its
     * workspaces), or everything. An agent that already holds this attempt resumes it instead.
     */
    rerun: z.object({ attempt: z.number().int().min(2), scope: z.enum(['failed', 'all']) }).optional(),
    /** Who may run it: the customer's account, and the one queue it was sent to (as an ARN). */
    accountId: z.string().regex(/^(\d{12}|local)$/),
    queue: z.string().min(1).max(256),
    /** A random id of this one job: an agent runs a nonce once (a replay of it is refused). */
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    /** How steps clone the repository: over SSH with a read-only deploy key for this repository only. */
    checkout: checkoutSchema.optional(),
    issuedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  })
  .refine((job) => (job.plan === undefined) !== (job.planPointer === undefined), {
    message: 'a job carries either a plan or a planPointer',
  });

export const jobMessageSchema = z.object({ job: jobBodySchema, signature: z.string().min(1) });

export type JobBody = z.infer<typeof jobBodySchema>;
export type JobMessage = z.infer<typeof jobMessageSchema>;
export type PlanPointer = z.infer<typeof planPointerSchema>;

/** JSON with every object's keys sorted and no whitespace: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A public key from PEM (SPKI) or from the base64 of its raw 32 bytes. */
export function publicKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return createPublicKey(trimmed);
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is PEM, or 32 bytes in base64');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

export function privateKeyFrom(pem: string): KeyObject {
  return createPrivateKey(pem.trim());
}

/** The base64 of a public key's raw 32 bytes: short enough for a CloudFormation parameter. */
export function rawPublicKeyBase64(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

export function signJob(job: JobBody, privateKey: KeyObject): JobMessage {
  const signature = sign(null, Buffer.from(canonicalJson(job)), privateKey).toString('base64');
  return { job, signature };
}

export type JobParse = { ok: true; message: JobMessage } | { ok: false; reason: string };

/**
 * Reads a queue message body into a verified job, or says why it can never run: not JSON, not a
 * job, a version this agent does not speak, or a missing or wrong signature.
 */
export function parseSignedJob(body: string, publicKey: KeyObject): JobParse {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const version = (data as { job?: { version?: unknown } } | null)?.job?.version;
  if (version !== undefined && version !== JOB_VERSION) {
    return {
      ok: false,
      reason: `job version ${String(version)} is not supported (this agent reads version ${JOB_VERSION})`,
    };
  }
  if (typeof (data as { signature?: unknown } | null)?.signature !== 'string') {
    return { ok: false, reason: 'the job is not signed' };
  }
  const parsed = jobMessageSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      reason: `not a valid job: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'schema mismatch'}`,
    };
  }
  // Verify the body exactly as received, not as re-parsed: zod drops unknown keys.
  const received = (data as { job: unknown }).job;
  const signature = Buffer.from(parsed.data.signature, 'base64');
  if (!verify(null, Buffer.from(canonicalJson(received)), publicKey, signature)) {
    return { ok: false, reason: 'bad signature: the job was not signed by this control plane' };
  }
  return { ok: true, message: parsed.data };
}

/** What an agent is: a job bound to another account or queue is not for it. */
export interface AgentIdentity {
  accountId: string;
  queue: string;
}

export type JobRefusal = 'wrong-account' | 'wrong-queue' | 'expired' | 'not-yet-valid';

/**
 * Whether a verified job is for this agent and still valid: its account and queue are the agent's,
 * and now is within its lifetime (allowing for clock skew). Says why not, for the dead-letter reason.
 */
export function checkJobBinding(
  job: JobBody,
  agent: AgentIdentity,
  now: number,
): { reason: JobRefusal; detail: string } | undefined {
  if (job.accountId !== agent.accountId)
    return { reason: 'wrong-account', detail: `the job is for account ${job.accountId}` };
  if (job.queue !== agent.queue) return { reason: 'wrong-queue', detail: `the job is for ${job.queue}` };
  if (Date.parse(job.expiresAt) + CLOCK_SKEW_MS < now)
    return { reason: 'expired', detail: `the job expired at ${job.expiresAt}` };
  if (Date.parse(job.issuedAt) - CLOCK_SKEW_MS > now)
    return { reason: 'not-yet-valid', detail: `the job is issued in the future (${job.issuedAt})` };
  return undefined;
}

/**
 * The ARN of a queue from its URL: `https://sqs.<region>.amazonaws.com/<account>/<name>` (or a
 * local endpoint's `http://host/<account>/<name>`). Both sides derive it the same way, so a queue
 * is named alike whichever endpoint reaches it.
 */
export function queueArn(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean);
  if (!account || !name) throw new Error(`${queueUrl} is not a queue URL`);
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:sqs:${region}:${account}:${name}`;
}

/** A fresh job nonce. */
export function newJobNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** A fresh ExternalId for a customer's role: 32 random bytes, URL-safe. */
export function newExternalId(): string {
  return randomBytes(32).toString('base64url');
}
