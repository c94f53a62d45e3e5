// The hosted control plane as a deployment runs it — `node control-plane/dist/index.js`, configured
// through its environment — for the replica tests and the webhook benchmark.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../control-plane/dist/index.js', import.meta.url));

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

export async function startControlPlane(settings) {
  const port = await freePort();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'control-plane-')), 'signing.pem');
  writeFileSync(keyFile, settings.signingKeyPem, { mode: 0o600 });
  // nodeArgs: `--cpu-prof` and the like, to profile it under load.
  const child = spawn(process.execPath, [...(settings.nodeArgs ?? []), INDEX], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: settings.database,
      DOCKERCISE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      DOCKERCISE_STORE_SECRET: settings.storeSecret,
      DOCKERCISE_SESSION_SECRET: 'process-session-secret-0123456789abcdef',
      GITHUB_CLIENT_ID: 'client',
      GITHUB_CLIENT_SECRET: 'secret',
      GITHUB_API_URL: settings.github,
      DOCKERCISE_AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/dockercise-control-plane',
      DOCKERCISE_SIGNING_KEY_FILE: keyFile,
      DOCKERCISE_TEMPLATE_URL: 'https://templates.example/dockercise.yaml',
      DOCKERCISE_AWS_ENDPOINT: settings.awsEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ...settings.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`the control plane did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    output: () => output,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    },
  };
}

/** A push to `repo`, signed with its hook's secret, as GitHub delivers it: `(url) => fetch(…)`. */
export function pushDelivery(repo, deliveryId, commit) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after: commit,
    repository: { id: repo.id, full_name: repo.fullName },
    head_commit: { message: `push ${deliveryId}` },
    sender: { login: 'octo' },
  });
  const signature = `sha256=${createHmac('sha256', repo.webhookSecret).update(body).digest('hex')}`;
  return (url) =>
    fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': deliveryId,
        'x-github-hook-id': String(repo.webhookId),
        'x-hub-signature-256': signature,
      },
      body,
    });
}
