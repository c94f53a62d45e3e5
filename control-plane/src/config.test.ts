import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const keyFile = join(mkdtempSync(join(tmpdir(), 'cp-config-')), 'signing.pem');
writeFileSync(
  keyFile,
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);
const base = {
  DOCKERCISE_SIGNING_KEY_FILE: keyFile,
  DOCKERCISE_PUBLIC_URL: 'https://ci.example.com/',
  DOCKERCISE_STORE_SECRET: 's'.repeat(32),
  DOCKERCISE_SESSION_SECRET: 't'.repeat(32),
  GITHUB_CLIENT_ID: 'id',
  GITHUB_CLIENT_SECRET: 'secret',
  DOCKERCISE_AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
  DOCKERCISE_TEMPLATE_URL: 'https://example.com/dockercise.yaml',
};
const GHE_KEY = 'ghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhlbG8gd29ybGQ=';

describe('the control plane configuration', () => {
  it('clones from github.com by default, with the key the agent has built in', () => {
    const config = loadConfig(base);
    expect(config.gitSsh).toEqual({ host: 'github.com' });
    expect(config.publicUrl).toBe('https://ci.example.com');
  });

  it("clones from a GitHub Enterprise Server's host, and only with its host key", () => {
    const ghe = {
      ...base,
      GITHUB_WEB_URL: 'https://ghe.example.com',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    };
    expect(() => loadConfig(ghe)).toThrow(
      "GITHUB_SSH_KNOWN_HOSTS is missing: give ghe.example.com's SSH host key (ssh-keyscan -t ed25519 ghe.example.com)",
    );
    expect(loadConfig({ ...ghe, GITHUB_SSH_KNOWN_HOSTS: `${GHE_KEY}\n` }).gitSsh).toEqual({
      host: 'ghe.example.com',
      knownHosts: `${GHE_KEY}\n`,
    });
    expect(
      loadConfig({ ...ghe, GITHUB_SSH_HOST: 'ssh.ghe.example.com', GITHUB_SSH_KNOWN_HOSTS: GHE_KEY }).gitSsh
        .host,
    ).toBe('ssh.ghe.example.com');
  });

  it('lists every wrong setting at once', () => {
    let message = '';
    try {
      loadConfig({
        ...base,
        GITHUB_SSH_KNOWN_HOSTS: 'not a key line',
        DOCKERCISE_SESSION_SECRET: 'short',
        GITHUB_CLIENT_ID: '',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  - GITHUB_CLIENT_ID is missing',
      '  - GITHUB_SSH_KNOWN_HOSTS must be known_hosts lines: "<host> <key type> <base64 key>"',
      '  - DOCKERCISE_SESSION_SECRET must be at least 32 characters',
    ]);
  });
});
