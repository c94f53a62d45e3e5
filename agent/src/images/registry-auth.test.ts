import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerConfigAuth } from './docker-config-auth.js';
import { isAuthRefusal, registryKey, registryOf } from './registry-auth.js';

describe('registry credentials', () => {
  it("reads an image's registry as Docker does", () => {
    expect(registryOf('busybox')).toBe('docker.io');
    expect(registryOf('library/busybox:1.36')).toBe('docker.io');
    expect(registryOf('docker.io/library/busybox')).toBe('docker.io');
    expect(registryOf('ghcr.io/me/app:1')).toBe('ghcr.io');
    expect(registryOf('localhost/app')).toBe('localhost');
    expect(registryOf('127.0.0.1:5000/team/app@sha256:ab')).toBe('127.0.0.1:5000');
    expect(registryOf('123456789012.dkr.ecr.us-east-1.amazonaws.com/app')).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    );
    expect(registryKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryKey('https://ghcr.io/v2/')).toBe('ghcr.io');
  });

  it("takes the user's config.json auths, Docker Hub's under its old URL too", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
    const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: auth('hubuser', 'hub:pass') },
          'ghcr.io': { auth: auth('me', 'ghp_x') },
          'quay.io': { identitytoken: 'tok' },
        },
      }),
    );
    const config = dockerConfigAuth(dir);
    expect(await config.credentialsFor('docker.io')).toEqual({
      username: 'hubuser',
      password: 'hub:pass',
      serveraddress: 'https://index.docker.io/v1/',
    });
    expect(await config.credentialsFor('ghcr.io')).toMatchObject({ username: 'me', password: 'ghp_x' });
    expect(await config.credentialsFor('quay.io')).toEqual({
      identitytoken: 'tok',
      serveraddress: 'quay.io',
    });
    expect(await config.credentialsFor('registry.example.com')).toBeUndefined();
    expect(await dockerConfigAuth(join(dir, 'missing')).credentialsFor('ghcr.io')).toBeUndefined();
    expect(config.howToLogIn('ghcr.io')).toBe(
      `log in with docker login ghcr.io (dockercise reads ${join(dir, 'config.json')}, as docker does)`,
    );
  });

  it("tells a registry's refusal for want of credentials from other failures", () => {
    expect(isAuthRefusal('Head "http://127.0.0.1:5000/v2/x/manifests/1": no basic auth credentials')).toBe(
      true,
    );
    expect(
      isAuthRefusal(
        'pull access denied for private/app, repository does not exist or may require docker login',
      ),
    ).toBe(true);
    expect(isAuthRefusal('manifest for busybox:nope not found: manifest unknown')).toBe(false);
  });
});
