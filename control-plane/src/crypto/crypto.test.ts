import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign, verify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { newDeployKey } from './deploy-key.js';
import { SecretBox } from './secret-box.js';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

describe('webhook signatures', () => {
  const body = Buffer.from('{"zen":"Keep it logically awesome."}');

  it('agree with an independent implementation both ways', async () => {
    expect(signWebhook('s3cret', body)).toBe(await sign('s3cret', body.toString()));
    expect(await verify('s3cret', body.toString(), signWebhook('s3cret', body))).toBe(true);
    expect(verifyWebhook('s3cret', body, await sign('s3cret', body.toString()))).toBe(true);
  });

  it('refuse a missing, malformed, wrong or flipped signature', () => {
    const good = signWebhook('s3cret', body);
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    for (const header of [
      undefined,
      '',
      'sha1=abc',
      good.slice(0, -2),
      flipped,
      signWebhook('other', body),
    ]) {
      expect(verifyWebhook('s3cret', body, header)).toBe(false);
    }
    expect(verifyWebhook('s3cret', Buffer.from(`${body} `), good)).toBe(false);
  });
});

describe('deploy keys', () => {
  it('makes an OpenSSH public key that ssh-keygen reads, and a private key it accepts', () => {
    const key = newDeployKey('dockercise deploy key');
    expect(key.publicKey).toMatch(
      /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} dockercise deploy key$/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'deploy-key-'));
    writeFileSync(join(dir, 'key.pub'), key.publicKey);
    writeFileSync(join(dir, 'key'), key.privateKey, { mode: 0o600 });
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'key.pub')], { encoding: 'utf8' });
    expect(fingerprint).toMatch(/^256 SHA256:\S+ dockercise deploy key \(ED25519\)/);
    // The private half derives the same public key.
    const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'key')], { encoding: 'utf8' }).trim();
    expect(derived.split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
  });
});

describe('SecretBox', () => {
  it('round-trips, and refuses a tampered box or another key', () => {
    const box = new SecretBox('a'.repeat(32));
    const sealed = box.seal('gho_token');
    expect(sealed).not.toContain('gho_token');
    expect(box.open(sealed)).toBe('gho_token');
    expect(() => box.open(`${sealed.slice(0, -2)}AA`)).toThrow();
    expect(() => new SecretBox('b'.repeat(32)).open(sealed)).toThrow();
  });
});
