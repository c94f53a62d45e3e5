import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunView as RunResult } from '@dockercise/shared';
import { silentLogger } from '@dockercise/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stepRolePipeline, stepsSeeing } from '../../agent/test/step-role-pipeline.js';
import { type LocalServer, startLocalServer } from '../src/local/local-server.js';
import { gitRepo } from './local-git.js';

/**
 * `dockercise server --local` with a step's aws-role: assumed with the user's own credentials (the
 * SDK's chain and endpoint variables, here moto's), served to the step as on a host.
 */
let server: LocalServer;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: inject('awsEndpoint'),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'local-role-'));
  const uiDir = mkdtempSync(join(tmpdir(), 'local-ui-'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>viewer</title>');
  server = await startLocalServer({ port: 0, dataDir, uiDir, logger: silentLogger });
});
afterAll(async () => {
  await server.close();
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_STS'])
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
});

const api = async (path: string, init?: RequestInit): Promise<Response> => {
  const headers = new Headers(init?.headers);
  if (init?.method && init.method !== 'GET') headers.set('x-dockercise-token', server.token);
  return fetch(server.url + path, { ...init, headers });
};

async function until(base: string, done: (r: RunResult) => boolean): Promise<RunResult> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const result = (await (await api(base)).json()) as RunResult;
    if (done(result)) return result;
    if (Date.now() > deadline) throw new Error(`run stuck at ${result.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('dockercise server --local, a step with aws-role', () => {
  it("assumes it with the user's own credentials, and the step deploys as under dockercise run and on a host", async () => {
    const port = new URL(inject('awsEndpoint')).port;
    const repo = gitRepo(stepRolePipeline(port, `served-${Date.now()}`), 'with-role');
    const triggered = await api('/api/local/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dir: repo }),
    });
    const base = ((await triggered.json()) as { url: string }).url.replace('/results/', '/api/results/');
    await until(base, (r) => r.status === 'waiting-approval');
    expect((await api(`${base}/gates/deploy.dockercise.yaml/approve`, { method: 'POST' })).status).toBe(202);
    const finished = await until(base, (r) => r.status === 'succeeded' || r.status === 'failed');
    const logs: Record<string, string[]> = {};
    for (const step of ['create-stack', 'no-role']) {
      const log = (await (await api(`${base}/logs/${step}`)).json()) as { lines: string[] };
      logs[step] = log.lines.map((l) => l.split(' ').slice(2).join(' '));
    }
    expect(finished.status, JSON.stringify(finished.steps)).toBe('succeeded');
    expect(logs).toEqual(stepsSeeing(finished.runId));
  });
});
