import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TEST_IMAGE } from './docker-images.global.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Debian's docker-registry on loopback, with htpasswd auth: `127.0.0.1:<port>`. */
    registry: string;
    registryUser: string;
    registryPassword: string;
    /** An image only that registry has (pulled with the user and password above). */
    privateImage: string;
  }
}

export const REGISTRY_USER = 'ci';

/**
 * A private registry for the tests: Debian's `docker-registry` on a free loopback port (the engine
 * pulls from loopback over plain HTTP), with an htpasswd user, holding one image pushed with the
 * docker CLI from a throwaway DOCKER_CONFIG (nothing is written to the user's own).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'dockercise-registry-'));
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  writeFileSync(
    join(dir, 'htpasswd'),
    execFileSync('htpasswd', ['-Bbn', REGISTRY_USER, password], { encoding: 'utf8' }),
  );
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${address}" }`,
      `auth: { htpasswd: { realm: dockercise-test, path: ${join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  const registry: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    const up = await fetch(`http://${address}/v2/`).then(
      (r) => r.status === 401,
      () => false,
    );
    if (up) break;
    if (i > 100 || registry.exitCode !== null) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const privateImage = `${address}/private/busybox:1`;
  const env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  execFileSync('docker', ['login', '-u', REGISTRY_USER, '--password-stdin', address], {
    env,
    input: password,
  });
  execFileSync('docker', ['tag', TEST_IMAGE, privateImage], { env });
  execFileSync('docker', ['push', '-q', privateImage], { env, stdio: 'ignore' });
  execFileSync('docker', ['rmi', privateImage], { env, stdio: 'ignore' });
  project.provide('registry', address);
  project.provide('registryUser', REGISTRY_USER);
  project.provide('registryPassword', password);
  project.provide('privateImage', privateImage);
  return async () => {
    registry.kill('SIGTERM');
  };
}
