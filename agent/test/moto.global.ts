import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AWS_CALL_LOG_ENV } from '@dockercise/shared/node';
import type { TestProject } from 'vitest/node';
import dockerSetup from './docker-images.global.js';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VENV = `${ROOT}.venv`;
const MOTO = `${VENV}/bin/moto_server`;
export const AWS_CALL_LOG_DIR = `${ROOT}.aws-calls`;

/**
 * Starts moto_server — the local AWS endpoint — on a free loopback port, from a Python venv inside
 * the project that is created when missing, and stops it when the tests end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await dockerSetup();
  // Every AWS call the product makes in these tests is recorded here, for the IAM test
  // (cloudformation/test/iam); `npm test` empties it first. Test workers inherit it.
  process.env[AWS_CALL_LOG_ENV] ??= AWS_CALL_LOG_DIR;
  if (!existsSync(MOTO)) execFileSync('bash', [`${ROOT}scripts/ensure-venv.sh`], { stdio: 'inherit' });
  const port = await freePort();
  // On every address, not only loopback: steps with aws-role reach it from their containers at the
  // credentials network's gateway (169.254.170.2), as they would reach AWS.
  const moto: ChildProcess = spawn(MOTO, ['-H', '0.0.0.0', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 100 || moto.exitCode !== null) throw new Error('moto_server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  project.provide('awsEndpoint', endpoint);
  return async () => {
    moto.kill('SIGTERM');
  };
}
