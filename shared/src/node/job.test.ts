import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  checkJobBinding,
  checkoutSchema,
  type JobBody,
  parseSignedJob,
  publicKeyFrom,
  queueArn,
  rawPublicKeyBase64,
  signJob,
} from './job.js';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:jobs';
const job: JobBody = {
  version: 2,
  runId: '20261126T204100Z-3f9a1c',
  pipeline: 'app',
  source: { repository: 'me/app', commit: 'abc123' },
  plan: { version: 1, steps: [], gates: [] },
  approvedGates: [],
  accountId: '123456789012',
  queue: QUEUE,
  nonce: 'n0nce-of-a-job-1234',
  issuedAt: '2026-11-26T20:41:00.000Z',
  expiresAt: '2026-11-27T20:41:00.000Z',
};

describe('signed jobs', () => {
  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    );
  });

  it('accepts a job signed by the control plane, with the key as PEM or raw base64', () => {
    const body = JSON.stringify(signJob(job, keys.privateKey));
    const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(parseSignedJob(body, publicKeyFrom(pem))).toMatchObject({ ok: true, message: { job } });
    expect(parseSignedJob(body, publicKeyFrom(rawPublicKeyBase64(keys.publicKey))).ok).toBe(true);
  });

  it('says why a message can never run', () => {
    const signed = signJob(job, keys.privateKey);
    const cases: Array<[string, string]> = [
      ['{not json', 'not JSON'],
      [JSON.stringify({ job }), 'the job is not signed'],
      [
        JSON.stringify({ ...signed, job: { ...job, version: 1 } }),
        'job version 1 is not supported (this agent reads version 2)',
      ],
      [
        JSON.stringify({ ...signed, job: { ...job, runId: '' } }),
        'not a valid job: job.runId: Invalid string: must match pattern /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/',
      ],
      [
        JSON.stringify({ ...signed, job: { ...job, pipeline: 'other' } }),
        'bad signature: the job was not signed by this control plane',
      ],
      [
        JSON.stringify(signJob(job, other.privateKey)),
        'bad signature: the job was not signed by this control plane',
      ],
      [
        JSON.stringify({ ...signed, job: { ...job, extra: 'smuggled' } }),
        'bad signature: the job was not signed by this control plane',
      ],
    ];
    for (const [body, reason] of cases)
      expect(parseSignedJob(body, keys.publicKey)).toEqual({ ok: false, reason });
  });

  it('binds a job to one account, one queue and its lifetime', () => {
    const agent = { accountId: '123456789012', queue: QUEUE };
    const at = (iso: string): number => Date.parse(iso);
    expect(checkJobBinding(job, agent, at('2026-11-27T00:00:00Z'))).toBeUndefined();
    expect(checkJobBinding(job, { ...agent, accountId: '210987654321' }, at('2026-11-27T00:00:00Z'))).toEqual(
      {
        reason: 'wrong-account',
        detail: 'the job is for account 123456789012',
      },
    );
    expect(checkJobBinding(job, { ...agent, queue: `${QUEUE}-2` }, at('2026-11-27T00:00:00Z'))).toEqual({
      reason: 'wrong-queue',
      detail: `the job is for ${QUEUE}`,
    });
    // Five minutes of clock skew either way are allowed, not more.
    expect(checkJobBinding(job, agent, at('2026-11-27T20:45:00Z'))).toBeUndefined();
    expect(checkJobBinding(job, agent, at('2026-11-27T20:46:01Z'))?.reason).toBe('expired');
    expect(checkJobBinding(job, agent, at('2026-11-26T20:36:00Z'))).toBeUndefined();
    expect(checkJobBinding(job, agent, at('2026-11-26T20:35:00Z'))?.reason).toBe('not-yet-valid');
  });

  it('names a queue by its ARN, whichever endpoint its URL points at', () => {
    expect(queueArn('https://sqs.eu-west-1.amazonaws.com/123456789012/jobs', 'eu-west-1')).toBe(QUEUE);
    expect(queueArn('http://127.0.0.1:5000/123456789012/jobs', 'eu-west-1')).toBe(QUEUE);
    expect(queueArn('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs', 'cn-north-1')).toBe(
      'arn:aws-cn:sqs:cn-north-1:123456789012:jobs',
    );
  });

  it("takes a checkout from any Git host by its SSH address, never an ssh option in the host's place", () => {
    const checkout = { commit: 'c0', deployKey: 'k' };
    for (const url of ['git@github.com:me/app.git', 'git@ghe.example.com:team/app.js.git'])
      expect(checkoutSchema.safeParse({ ...checkout, url }).success).toBe(true);
    for (const url of [
      'git@-oProxyCommand=touch /tmp/x:me/app.git',
      'ssh://git@github.com/me/app.git',
      'git@github.com:me/app.git; rm -rf /',
      'git@github.com:../../etc/passwd',
    ])
      expect(checkoutSchema.safeParse({ ...checkout, url }).success).toBe(false);
    expect(
      checkoutSchema.safeParse({ ...checkout, url: 'git@github.com:me/app.git', ref: 'refs/pull/7/head' })
        .success,
    ).toBe(true);
    expect(
      checkoutSchema.safeParse({ ...checkout, url: 'git@github.com:me/app.git', ref: '--upload-pack=x' })
        .success,
    ).toBe(false);
  });
});
