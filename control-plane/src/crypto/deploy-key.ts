import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * A read-only deploy key: an Ed25519 pair from node:crypto, both halves in OpenSSH's formats — the
 * public `ssh-ed25519 <base64> comment` line GitHub takes, and the `OPENSSH PRIVATE KEY` file that
 * ssh (and so git) reads; OpenSSH does not read PKCS#8 Ed25519 keys.
 */
export function newDeployKey(comment: string): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return {
    publicKey: `${opensshPublicKey(pub)} ${comment}`,
    privateKey: opensshPrivateKey(seed, pub, comment),
  };
}

const field = (data: Buffer | string): Buffer => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

const publicBlob = (pub: Buffer): Buffer => Buffer.concat([field('ssh-ed25519'), field(pub)]);

/** `ssh-ed25519 AAAA…`: the key type and the key, length-prefixed, in base64. */
export function opensshPublicKey(pub: Buffer): string {
  return `ssh-ed25519 ${publicBlob(pub).toString('base64')}`;
}

/** The unencrypted `openssh-key-v1` container (PROTOCOL.key in OpenSSH's sources). */
function opensshPrivateKey(seed: Buffer, pub: Buffer, comment: string): string {
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    field('ssh-ed25519'),
    field(pub),
    field(Buffer.concat([seed, pub])),
    field(comment),
  ]);
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  secret = Buffer.concat([secret, padding]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    field('none'),
    field('none'),
    field(''),
    count,
    field(publicBlob(pub)),
    field(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
