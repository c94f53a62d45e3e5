import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type JobBody,
  parseSignedJob,
  publicKeyFrom,
  rawPublicKeyBase64,
  signJob,
} from './job.js';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const job: JobBody = {
  version: 1,
  runId: '20261126T204100Z-3f9a1c',
  pipeline: 'app',
  source: { repository: 'me/app', commit: 'abc123' },
  plan: { version: 1, steps: [], gates: [] },
  approvedGates: [],
  issuedAt: '2026-11-26T20:41:00.000Z',
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
        JSON.stringify({ ...signed, job: { ...job, version: 2 } }),
        'job version 2 is not supported (this agent reads version 1)',
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
});
