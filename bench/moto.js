// Starts moto_server (the local AWS endpoint) for benchmarks, from the project's .venv like the tests.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const ROOT = new URL('../', import.meta.url).pathname;
const MOTO = `${ROOT}.venv/bin/moto_server`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * `nice`: moto at the lowest CPU priority, standing for an AWS that is not on this machine — the
 * customer's real endpoints cost the control plane network waits, not CPU.
 */
export async function startMoto({ nice = false } = {}) {
  if (!existsSync(MOTO)) {
    execFileSync('python3', ['-m', 'venv', `${ROOT}.venv`], { stdio: 'inherit' });
    execFileSync(`${ROOT}.venv/bin/pip`, ['install', '--quiet', 'moto[server]'], { stdio: 'inherit' });
  }
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const child = nice
    ? spawn('nice', ['-n', '19', MOTO, ...args], { stdio: 'ignore' })
    : spawn(MOTO, args, { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { endpoint, stop: () => child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('moto_server did not start');
}
