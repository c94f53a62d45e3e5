import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunView as RunResult } from '@dockercise/shared';
import { silentLogger } from '@dockercise/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIT_IMAGE } from '../../agent/test/docker-images.global.js';
import { exampleFiles, exampleLogs } from '../../agent/test/example-pipeline.js';
import { type LocalServer, startLocalServer } from '../src/local/local-server.js';
import { commit, gitRepo } from './local-git.js';

const IMG = 'dockercise-test/busybox:latest';
const exec = promisify(execFile);

let server: LocalServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-server-'));
  const uiDir = mkdtempSync(join(tmpdir(), 'local-ui-'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>viewer</title>');
  server = await startLocalServer({ port: 0, dataDir, uiDir, logger: silentLogger });
});
afterAll(() => server.close());

/** A request as the local server's owner makes it: changes carry the server's token. */
const api = async (path: string, init?: RequestInit): Promise<Response> => {
  const headers = new Headers(init?.headers);
  if (init?.method && init.method !== 'GET') headers.set('x-dockercise-token', server.token);
  return fetch(server.url + path, { ...init, headers });
};
const trigger = async (dir: string) => {
  const response = await api('/api/local/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dir }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const resultOf = async (url: string): Promise<RunResult> =>
  (await (await api(url.replace('/results/', '/api/results/'))).json()) as RunResult;

async function until(url: string, done: (r: RunResult) => boolean): Promise<RunResult> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await resultOf(url);
    if (done(result)) return result;
    if (Date.now() > deadline) throw new Error(`run stuck at ${result.status}: ${JSON.stringify(result)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('dockercise server --local', () => {
  it('runs a local repository at HEAD, stops at its gate, and finishes once approved', async () => {
    const repo = gitRepo({
      'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: cat VERSION && echo built $DOCKERCISE_COMMIT on $DOCKERCISE_BRANCH for $DOCKERCISE_EVENT\n`,
      'deploy.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  run: echo shipping "$(cat {build})"\n`,
      VERSION: '1.0\n',
    });
    // Uncommitted work is not part of the run, as with a push.
    writeFileSync(join(repo, 'VERSION'), 'dirty\n');

    const { status, body } = await trigger(repo);
    expect(status).toBe(201);
    expect(body).toMatchObject({ accountId: 'local', pipeline: 'project', status: 'queued' });
    const url = body.url as string;
    expect(url).toMatch(/^\/results\/local\/project\/[\w.-]+$/);

    const waiting = await until(url, (r) => r.status === 'waiting-approval');
    expect(waiting.steps.map((s) => [s.name, s.status])).toEqual([
      ['build', 'succeeded'],
      ['ship', 'waiting-approval'],
    ]);
    expect(waiting.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'waiting' }]);
    expect(waiting.source?.branch).toBe('main');

    const log = (await (await api(`${url.replace('/results/', '/api/results/')}/logs/build`)).json()) as {
      lines: string[];
      nextToken: string;
    };
    expect(log.lines.map((l) => l.split(' ').slice(2).join(' '))).toEqual([
      '1.0',
      `built ${waiting.source?.commit} on ${waiting.source?.branch} for manual`,
    ]);
    // Following the log from its token gives nothing new once the step is done.
    const more = (await (
      await api(`${url.replace('/results/', '/api/results/')}/logs/build?token=${log.nextToken}`)
    ).json()) as { lines: string[] };
    expect(more.lines).toEqual([]);

    const approve = await api(
      `${url.replace('/results/', '/api/results/')}/gates/deploy.dockercise.yaml/approve`,
      {
        method: 'POST',
      },
    );
    expect(approve.status).toBe(202);
    const finished = await until(url, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(finished.status).toBe('succeeded');
    expect(finished.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(finished.gates[0]).toMatchObject({ status: 'approved', approvedBy: expect.any(String) });

    expect(finished.graph).toEqual({
      steps: [
        { name: 'build', needs: [] },
        { name: 'ship', needs: ['build'], gate: 'deploy.dockercise.yaml' },
      ],
      gates: [{ name: 'deploy.dockercise.yaml' }],
    });
    const pipelines = (await (await api('/api/results/local')).json()) as {
      pipelines: { pipeline: string; lastStatus?: string }[];
    };
    expect(pipelines.pipelines.find((p) => p.pipeline === 'project')).toMatchObject({
      lastStatus: 'succeeded',
    });

    const runs = (await (await api('/api/results/local/project')).json()) as {
      runs: { runId: string; message?: string; triggeredBy?: string }[];
    };
    expect(runs.runs.find((r) => r.runId === finished.runId)).toMatchObject({
      message: 'first',
      triggeredBy: expect.stringMatching(/^dockercise trigger by \S+$/),
    });
    // The viewer's page for the run is served by the same server.
    expect((await api(url)).headers.get('content-type')).toContain('text/html');
  });

  it('runs the example build-test-deploy pipeline unchanged, as `dockercise run` and a host do', async () => {
    const repo = gitRepo(exampleFiles(), 'build-test-deploy');
    const url = (await trigger(repo)).body.url as string;
    const waiting = await until(url, (r) => r.status === 'waiting-approval');
    const base = url.replace('/results/', '/api/results/');
    expect((await api(`${base}/gates/deploy.dockercise.yaml/approve`, { method: 'POST' })).status).toBe(202);
    const finished = await until(url, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(finished.status).toBe('succeeded');
    const logs: Record<string, string[]> = {};
    for (const step of ['build', 'test', 'deploy']) {
      const log = (await (await api(`${base}/logs/${step}`)).json()) as { lines: string[] };
      logs[step] = log.lines.map((l) => l.split(' ').slice(2).join(' '));
    }
    expect(logs).toEqual(exampleLogs(waiting.source?.commit ?? '', 'manual'));
  });

  it("gives steps a .git at the triggered commit, borrowing the repository's objects", async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `look:\n  img: ${GIT_IMAGE}\n  run: git log --format=%s && git status --porcelain | wc -l\n`,
      },
      'with-git',
    );
    commit(repo, { VERSION: '1.1\n' }, 'second');
    writeFileSync(join(repo, 'VERSION'), 'dirty\n');
    const url = (await trigger(repo)).body.url as string;
    const finished = await until(url, (r) => r.status === 'succeeded' || r.status === 'failed');
    const base = url.replace('/results/', '/api/results/');
    const log = (await (await api(`${base}/logs/look`)).json()) as { lines: string[] };
    expect(finished.status, log.lines.join('\n')).toBe('succeeded');
    // The commit, as a push brings it: its history, and nothing of the uncommitted change.
    expect(log.lines.map((l) => l.split(' ').slice(2).join(' '))).toEqual(['second', 'first', '0']);
  });

  it("serves a step's artifact from the run's folder, and nothing it did not keep", async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  artifacts: [dist/*]\n  run: mkdir -p dist && echo kept > dist/app.txt\n`,
      },
      'with-artifacts',
    );
    const url = (await trigger(repo)).body.url as string;
    const finished = await until(url, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(finished.steps[0]?.artifacts).toEqual([
      { path: 'dist/app.txt', size: 5, sha256: expect.any(String) },
    ]);
    const base = url.replace('/results/', '/api/results/');
    const download = await api(`${base}/artifacts/build/dist/app.txt`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="app.txt"');
    expect(await download.text()).toBe('kept\n');
    expect((await api(`${base}/artifacts/build/result.json`)).status).toBe(404);
  });

  it('resumes after a gate with the workspace its steps wrote (a vol chain across the gate)', async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `code:\n  img: ${IMG}\n  run: echo src > src.txt\nbuild:\n  img: ${IMG}\n  vol: code\n  run: cp src.txt app.bin\n`,
        'deploy.dockercise.yaml': `after: human-click\ndeploy:\n  img: ${IMG}\n  vol: build\n  run: cat app.bin\n`,
      },
      'vol-chain',
    );
    const url = (await trigger(repo)).body.url as string;
    await until(url, (r) => r.status === 'waiting-approval');
    const base = url.replace('/results/', '/api/results/');
    expect((await api(`${base}/gates/deploy.dockercise.yaml/approve`, { method: 'POST' })).status).toBe(202);
    const finished = await until(url, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(finished.steps.map((s) => [s.name, s.status])).toEqual([
      ['code', 'succeeded'],
      ['build', 'succeeded'],
      ['deploy', 'succeeded'],
    ]);
    const step = (name: string) => finished.steps.find((s) => s.name === name);
    // The re-runs that rebuilt the workspace ended before the gated step started.
    expect(Date.parse(step('build')?.endedAt ?? '')).toBeLessThanOrEqual(
      Date.parse(step('deploy')?.startedAt ?? ''),
    );
  });

  it('closes the gate of a failed run and refuses to approve it', async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `lint:\n  img: ${IMG}\n  run: exit 3\n`,
        'deploy.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  run: echo ship\n`,
      },
      'failed-gate',
    );
    const url = (await trigger(repo)).body.url as string;
    const failed = await until(url, (r) => r.status === 'failed');
    expect(failed.steps.map((s) => [s.name, s.status])).toEqual([
      ['lint', 'failed'],
      ['ship', 'skipped'],
    ]);
    expect(failed.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'skipped' }]);
    const base = url.replace('/results/', '/api/results/');
    const refused = await api(`${base}/gates/deploy.dockercise.yaml/approve`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toContain('the run has failed');
    // A name decoded once, as any other: `%25` is the gate "%", which does not exist (not a 500).
    const odd = await api(`${base}/gates/%25/approve`, { method: 'POST' });
    expect(odd.status).toBe(404);
    expect(await odd.json()).toEqual({ error: 'the run has no gate %' });
  });

  it('re-runs the failed steps of an ended run as a new attempt, keeping the first', async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built\nflaky:\n  img: ${IMG}\n  run: echo "attempt $DOCKERCISE_ATTEMPT"; test "$DOCKERCISE_ATTEMPT" -ge 2\n`,
      },
      'rerun',
    );
    const url = (await trigger(repo)).body.url as string;
    const base = url.replace('/results/', '/api/results/');
    const rerun = (steps: string) =>
      api(`${base}/rerun`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ steps }),
      });
    const first = await until(url, (r) => r.status === 'failed');
    expect(first.steps.map((s) => [s.name, s.status])).toEqual([
      ['build', 'succeeded'],
      ['flaky', 'failed'],
    ]);
    expect((await rerun('some')).status).toBe(400);

    const accepted = await rerun('failed');
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ attempt: 2, steps: 'failed' });
    // The list no longer shows the first attempt's end as the run's.
    const listed = (await (await api(base.slice(0, base.lastIndexOf('/')))).json()) as {
      runs: Array<{ status: string }>;
    };
    expect(listed.runs[0]?.status).not.toBe('failed');
    const second = await until(url, (r) => r.attempt === 2 && r.status === 'succeeded');
    // build kept its first attempt (same start); flaky ran again and passed.
    expect(second.steps.find((s) => s.name === 'build')?.startedAt).toBe(first.steps[0]?.startedAt);
    expect(second.previousAttempts?.map((p) => [p.attempt, p.status])).toEqual([[1, 'failed']]);
    const runs = (await (await api(base.slice(0, base.lastIndexOf('/')))).json()) as {
      runs: Array<{ status: string }>;
    };
    expect(runs.runs[0]?.status).toBe('succeeded');
  });

  it("serves a step's output, and never a secret step's", async () => {
    const repo = gitRepo(
      {
        'ci.dockercise.yaml': `token:\n  img: ${IMG}\n  secret: true\n  run: echo s3cr3t-value\nplain:\n  img: ${IMG}\n  run: echo visible\n`,
      },
      'outputs',
    );
    const { body } = await trigger(repo);
    const url = body.url as string;
    await until(url, (r) => r.status === 'succeeded');
    const base = url.replace('/results/', '/api/results/');
    const plain = await api(`${base}/outputs/plain`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('visible\n');
    const secret = await api(`${base}/outputs/token`);
    expect(secret.status).toBe(403);
    expect(await secret.text()).not.toContain('s3cr3t');
    expect((await api(`${base}/outputs/nope`)).status).toBe(404);
  });

  it('records an invalid pipeline as a failed run with file:line errors, and runs nothing', async () => {
    const repo = gitRepo({ 'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: cat {nope}\n` }, 'broken');
    const { status, body } = await trigger(repo);
    expect(status).toBe(201);
    expect(body.status).toBe('invalid');
    expect((body.errors as string[])[0]).toMatch(/^ci\.dockercise\.yaml:3:\d+: .*nope/);
    const result = await resultOf(body.url as string);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/ci\.dockercise\.yaml:3/);
    expect(existsSync(join(dataDir, 'sources', body.runId as string))).toBe(false);
  });

  it('refuses a folder that is not a git repository, or one without a commit, with the reason', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'not-git-'));
    const notGit = await trigger(plain);
    expect(notGit.status).toBe(400);
    expect(notGit.body.error).toMatch(/not a git repository/);

    await exec('git', ['-C', plain, 'init', '-q']);
    const empty = await trigger(plain);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/has no commit yet/);

    const noPipeline = await trigger(gitRepo({ 'README.md': 'hello\n' }, 'plain'));
    expect(noPipeline.status).toBe(201);
    expect(noPipeline.body).toMatchObject({
      status: 'invalid',
      errors: [expect.stringMatching(/no \*\.dockercise\.yaml file is committed/)],
    });
  });

  it('cancels a running run', async () => {
    const repo = gitRepo(
      { 'ci.dockercise.yaml': `slow:\n  img: ${IMG}\n  run: echo started; sleep 60\n` },
      'slow',
    );
    const { body } = await trigger(repo);
    const url = body.url as string;
    await until(url, (r) => r.steps[0]?.status === 'running');
    const cancel = await api(`${url.replace('/results/', '/api/results/')}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const ended = await until(url, (r) => r.status === 'cancelled' || r.status === 'failed');
    expect(ended.status).toBe('cancelled');
  });

  it('goes on with a run that a restart of the server interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-restart-'));
    let first = await startLocalServer({ port: 0, dataDir: dir, logger: silentLogger, shutdownGraceMs: 200 });
    const repo = gitRepo(
      { 'ci.dockercise.yaml': `slow:\n  img: ${IMG}\n  run: sleep 2; echo finished\n` },
      'restart',
    );
    const response = await fetch(`${first.url}/api/local/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dockercise-token': first.token },
      body: JSON.stringify({ dir: repo }),
    });
    const { url } = (await response.json()) as { url: string };
    const read = async (base: string): Promise<RunResult> =>
      (await (await fetch(base + url.replace('/results/', '/api/results/'))).json()) as RunResult;
    for (let i = 0; i < 100 && (await read(first.url)).steps[0]?.status !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 100));
    await first.close();
    first = await startLocalServer({ port: 0, dataDir: dir, logger: silentLogger });
    const interrupted = await read(first.url);
    expect(interrupted.status).not.toBe('succeeded');
    const deadline = Date.now() + 60_000;
    let result = interrupted;
    while (result.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      result = await read(first.url);
    }
    expect(result.status).toBe('succeeded');
    await first.close();
  });

  it('says so when its port is taken, and leaves nothing running', async () => {
    const port = Number(new URL(server.url).port);
    await expect(
      startLocalServer({ port, dataDir: mkdtempSync(join(tmpdir(), 'local-port-')), logger: silentLogger }),
    ).rejects.toThrow(`port ${port} on 127.0.0.1 is taken; choose another with --port`);
  });

  it('answers loopback names only and refuses cross-origin writes', async () => {
    // fetch will not send another Host header; node:http will, as a rebound browser would.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      const port = new URL(server.url).port;
      request(
        { host: '127.0.0.1', port, path: '/api/local', headers: { host: `attacker.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
    const crossSite = await api('/api/local/runs', {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'application/json' },
      body: JSON.stringify({ dir: '/' }),
    });
    expect(crossSite.status).toBe(403);
    expect(((await (await api('/api/local')).json()) as { accountId: string }).accountId).toBe('local');
  });

  it("refuses changes without the server's token (another local user), and says so", async () => {
    const untokened = await fetch(`${server.url}/api/local/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dir: '/' }),
    });
    expect(untokened.status).toBe(401);
    expect(await untokened.json()).toEqual({
      error:
        "changes need the local server's token: open the sign-in link `dockercise server --local` printed, or send the x-dockercise-token header",
    });
    // The token file is its owner's alone, and no page or answer a GET can read carries it.
    expect(statSync(join(dataDir, 'token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'token'), 'utf8').trim()).toBe(server.token);
    const page = await fetch(`${server.url}/results/local`);
    for (const read of [
      page,
      await fetch(`${server.url}/api/local`),
      await fetch(`${server.url}/api/results/local`),
    ])
      expect(await read.text()).not.toContain(server.token);
    // The printed link signs a browser in once: an HttpOnly, SameSite=Strict cookie holds the token.
    const link = server.signInUrl('/results/local/');
    const signIn = await fetch(link, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('location')).toBe('/results/local/');
    const set = signIn.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^dockercise_local=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${server.url}/auth/local?code=guess`, { redirect: 'manual' })).status).toBe(403);
    const cookie = set.split(';')[0] ?? '';
    const withCookie = (origin?: string) =>
      fetch(`${server.url}/api/local/runs`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ dir: '/nonexistent' }),
      });
    // Past the token check (the folder is refused), and still refused from another origin.
    expect((await withCookie(server.url)).status).toBe(400);
    expect((await withCookie('https://attacker.example')).status).toBe(403);
    // No other site may frame the viewer (clickjacking an Approve button), and it loads only its own.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('`dockercise trigger --wait` follows a run to its end, and exits by its status', async () => {
    const bin = fileURLToPath(new URL('../../cli/bin/dockercise.js', import.meta.url));
    const triggerAndWait = (dir: string) =>
      exec('node', [
        bin,
        'trigger',
        dir,
        '--server',
        server.url,
        '--token-file',
        join(dataDir, 'token'),
        '--wait',
      ]);
    const good = gitRepo({ 'ci.dockercise.yaml': `ok:\n  img: ${IMG}\n  run: echo fine\n` }, 'good');
    const ran = await triggerAndWait(good);
    expect(ran.stdout).toMatch(/run \S+ queued: http:\/\/127\.0\.0\.1:\d+\/results\/local\/good\//);
    expect(ran.stdout).toMatch(/\n {2}ok: succeeded \d+\.\ds\nrun \S+ succeeded: http:\S+\n$/);

    commit(
      good,
      { 'ci.dockercise.yaml': `ok:\n  img: ${IMG}\n  run: echo one; echo two; exit 3\n` },
      'break it',
    );
    // A pipeline file changed but not committed: the run does not see it, and says so.
    writeFileSync(join(good, 'new.dockercise.yaml'), `x:\n  img: ${IMG}\n  run: "true"\n`);
    const failed = await triggerAndWait(good).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect(failed.stderr).toContain('warning: new.dockercise.yaml is not committed');
    expect(failed.stdout).toContain(
      'failed: ok\n--- ok: run exited with code 3; last lines of its log ---\none\ntwo\nrun ',
    );
    expect(failed.stdout).toMatch(/failed: http:\/\/127\.0\.0\.1:\d+\/results\/local\/good\/\S+\n$/);

    const down = await exec('node', [bin, 'trigger', good, '--server', 'http://127.0.0.1:9']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(down).toMatchObject({ code: 69, stderr: expect.stringMatching(/dockercise server --local/) });
  });
});
