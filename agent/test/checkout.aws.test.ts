import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@dockercise/shared';
import { runPrefix } from '@dockercise/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { cacheVolumeName } from '../src/runner/step-caches.js';
import {
  jobBody,
  newAccount,
  readObject,
  resultWhen,
  runFinished,
  sendJob,
  servingAgent,
} from './aws-harness.js';
import { GIT_IMAGE } from './docker-images.global.js';
import { exampleFiles, exampleLogs } from './example-pipeline.js';
import { compile, docker, IMG, logTexts } from './harness.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/**
 * A repository to push to, in GitHub's place: a bare one on this machine. Jobs name it by the SSH
 * URL GitHub would give (the only kind a job may carry); git's own `insteadOf` rewrite, set for this
 * process, sends the host's fetches to the bare repository instead.
 */
function origin(): { url: string; commit(files: Record<string, string>, message: string): string } {
  const root = mkdtempSync(join(tmpdir(), 'dockercise-origin-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();
  git(root, 'init', '-q', '--bare', bare);
  git(root, 'clone', '-q', bare, work);
  const url = `git@github.com:me/app-${root.slice(-6)}.git`;
  const saved = { ...process.env };
  Object.assign(process.env, {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `url.file://${bare}.insteadOf`,
    GIT_CONFIG_VALUE_0: url,
  });
  stops.push(async () => {
    for (const key of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
  return {
    url,
    commit: (files, message) => {
      for (const [path, text] of Object.entries(files)) writeFileSync(join(work, path), text);
      git(work, 'add', '.');
      git(work, 'commit', '-qm', message);
      git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}

describe("a hosted run's checkout, from the host's git mirror", () => {
  it('starts every workspace with the pushed commit, with history, and fetches only what is new', async () => {
    const repo = origin();
    const first = repo.commit({ VERSION: '1.0\n' }, 'first');
    const account = await newAccount();
    const fetched: Array<Record<string, unknown>> = [];
    const logger: Logger = {
      debug() {},
      info(fields, message) {
        if (message === 'mirror fetched') fetched.push(fields as Record<string, unknown>);
      },
      warn() {},
      error() {},
    };
    servingAgent(stops, account, { logger, gitDir: mkdtempSync(join(tmpdir(), 'dockercise-git-')) });
    const plan = compile({
      'ci.dockercise.yaml': `look:\n  img: ${GIT_IMAGE}\n  run: cat VERSION && git log --format=%s && git status --porcelain | wc -l && git rev-parse HEAD && echo "$DOCKERCISE_COMMIT $DOCKERCISE_BRANCH $DOCKERCISE_EVENT $DOCKERCISE_REPOSITORY"\n`,
    });
    const runOf = async (commit: string) => {
      const body = jobBody(account, plan, {
        source: { repository: 'me/app', commit, branch: 'main' },
        checkout: { url: repo.url, commit, deployKey: 'not used: the fetch goes to a local repository' },
      });
      await sendJob(account, body);
      const result = await resultWhen(
        account,
        body,
        (r) => r.status !== 'pending' && r.status !== 'running',
        'the run',
        60_000,
      );
      const log = (await readObject(account, `${runPrefix('app', body.runId)}logs/look.log`)) ?? '';
      expect(result.status, log).toBe('succeeded');
      return log
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(29).trim());
    };

    // What the step sees of its run is the same as under `dockercise run` and the local server.
    const seen = (commit: string) => `${commit} main push me/app`;
    expect(await runOf(first)).toEqual(['1.0', 'first', '0', first, seen(first)]);
    const second = repo.commit({ VERSION: '1.1\n' }, 'second');
    expect(await runOf(second)).toEqual(['1.1', 'second', 'first', '0', second, seen(second)]);
    // The same commit again (a re-run) needs no fetch at all.
    expect(await runOf(second)).toEqual(['1.1', 'second', 'first', '0', second, seen(second)]);
    expect(fetched.map((f) => f.fresh)).toEqual([true, false]);
  });
});

describe('the example build-test-deploy pipeline, hosted', () => {
  it('runs unchanged, each step seeing what it sees under `dockercise run` and the local server', async () => {
    const repo = origin();
    const files = exampleFiles();
    const commit = repo.commit(files, 'first');
    const account = await newAccount();
    servingAgent(stops, account, { gitDir: mkdtempSync(join(tmpdir(), 'dockercise-git-')) });
    // What the control plane compiles from the push: the pipeline files of the commit.
    const plan = compile(
      Object.fromEntries(Object.entries(files).filter(([name]) => name.endsWith('.dockercise.yaml'))),
    );
    // A repository of its own: its cache is new (caches outlive runs, and are named by repository).
    const repository = `me/example-${randomUUID().slice(0, 8)}`;
    const job = {
      source: { repository, commit, branch: 'main' },
      checkout: { url: repo.url, commit, deployKey: 'not used: the fetch goes to a local repository' },
    };
    const body = jobBody(account, plan, job);
    await sendJob(account, body);
    await resultWhen(account, body, (r) => r.status === 'waiting-approval', 'the gate', 60_000);
    const approval = jobBody(account, plan, {
      ...job,
      runId: body.runId,
      approvedGates: ['deploy.dockercise.yaml'],
    });
    await sendJob(account, approval);
    const result = await runFinished(account, approval, 60_000);
    expect(result.status).toBe('succeeded');
    const logs: Record<string, string[]> = {};
    for (const step of ['build', 'test', 'deploy'])
      logs[step] = logTexts(
        (await readObject(account, `${runPrefix('app', body.runId)}logs/${step}.log`)) ?? '',
      );
    expect(logs).toEqual(exampleLogs(commit, 'push'));
    await new DockerEngine(docker).removeVolume(
      cacheVolumeName({ scope: { repository, branch: 'main', trusted: true }, pipeline: 'app' }, 'build-v1'),
    );
  });
});

describe("a gate's workspaces, kept for an approval another host takes", () => {
  it('saves them to the bucket at the gate and restores them where they are gone, rebuilding nothing', async () => {
    const account = await newAccount();
    servingAgent(stops, account);
    const plan = compile({
      'ci.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built > app.txt\n`,
      'deploy.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  vol: build\n  run: cat app.txt\n`,
    });
    const body = jobBody(account, plan);
    await sendJob(account, body);
    const waiting = await resultWhen(
      account,
      body,
      (r) => r.status === 'waiting-approval',
      'the run to wait at its gate',
      60_000,
    );
    const built = waiting.steps.find((s) => s.name === 'build')?.startedAt;
    expect(built).toBeDefined();
    const snapshot = `workspaces/app/${body.runId}/build.tar.gz`;
    expect(await readObject(account, snapshot)).toBeDefined();

    // Another host takes the approval: this engine no longer has the workspace.
    await new DockerEngine(docker).removeVolume(`dockercise-${body.runId}-build`);
    const approval = jobBody(account, plan, {
      runId: body.runId,
      approvedGates: ['deploy.dockercise.yaml'],
    });
    await sendJob(account, approval);
    const result = await resultWhen(
      account,
      approval,
      (r) => r.status === 'succeeded',
      'the run to finish',
      60_000,
    );
    // What ships is what the tested attempt built: a rebuild would have started build again.
    expect(result.steps.find((s) => s.name === 'build')?.startedAt).toBe(built);
    const log = (await readObject(account, `${runPrefix('app', body.runId)}logs/ship.log`)) ?? '';
    expect(
      log
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(29)),
    ).toEqual(['built']);
  });
});
