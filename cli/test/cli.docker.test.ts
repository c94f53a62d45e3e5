import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GIT_IMAGE } from '../../agent/test/docker-images.global.js';
import { exampleFiles, exampleLogs } from '../../agent/test/example-pipeline.js';
import { IMG, leftovers, logTexts, writeTree } from '../../agent/test/harness.js';

const BIN = fileURLToPath(new URL('../bin/dockercise.js', import.meta.url));

/** Runs the built CLI as a user would, without a terminal. */
function dockercise(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Removes the cache volumes a test's folder left (caches outlive runs), and names them. */
async function removeCacheVolumes(dir: string): Promise<string[]> {
  const label = `label=dockercise.cache.pipeline=${basename(dir)}`;
  const listed = await new Promise<string>((done) =>
    execFile('docker', ['volume', 'ls', '-q', '--filter', label], (_e, out) => done(out)),
  );
  const volumes = listed.split('\n').filter(Boolean);
  for (const volume of volumes)
    await new Promise((done) => execFile('docker', ['volume', 'rm', volume], done));
  return volumes;
}

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-cli-'));
  await writeTree(dir, files);
  return dir;
}

describe('the dockercise CLI', () => {
  it('validate prints every error with file:line:col and a hint, and exits 1, without a stack trace', async () => {
    const dir = await tree({
      'ci.dockercise.yaml': `build:\n  imgg: ${IMG}\n  run: awk '{print}'\n`,
      'node_modules/x/ignored.dockercise.yaml': 'not: [valid',
    });
    // Paths are printed as seen from the current directory, so they can be opened as printed.
    const { code, stdout, stderr } = await dockercise(['validate', basename(dir)], dirname(dir));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const file = `${basename(dir)}/ci.dockercise.yaml`;
    expect(stderr).toBe(
      [
        `${file}:2:3: unknown field "imgg" in step "build"`,
        '  hint: did you mean "img"?',
        `${file}:3:13: {print} names no step`,
        '  hint: known steps: build; to write a literal brace, double it: {{ and }}',
        '2 problems found',
        '',
      ].join('\n'),
    );
    // One file is a pipeline too.
    const one = await dockercise(['validate', 'ci.dockercise.yaml'], dir);
    expect((await dockercise(['validate', '/dev/null'])).stderr).toContain(
      '/dev/null:1:1: not a pipeline file',
    );
    expect(one).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^ci\.dockercise\.yaml:2:3: unknown field "imgg"/),
    });
  });

  it('validate summarises a valid pipeline, or prints it as JSON or Graphviz', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `a:\n  img: ${IMG}\n  run: echo a\nb:\n  img: ${IMG}\n  run: cat {a}\n`,
    });
    const text = await dockercise(['validate', dir]);
    expect(text).toMatchObject({ code: 0 });
    expect(text.stdout).toBe(`1 file, 2 steps, 0 gates\n  a     ${IMG}\n  b     ${IMG} after a\n`);
    const json = JSON.parse((await dockercise(['validate', dir, '--format', 'json'])).stdout);
    expect(json.version).toBe(1);
    expect(json.steps[1].needs).toEqual(['a']);
    expect((await dockercise(['validate', dir, '--format', 'dot'])).stdout).toContain('"a" -> "b";');
  });

  it('run prefixes log lines with the step name off a terminal, says where the results are, exits 0', async () => {
    const dir = await tree({ 'a.dockercise.yaml': `hello:\n  img: ${IMG}\n  run: echo hi there\n` });
    const { code, stdout } = await dockercise(['run', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('hello | hi there\n');
    expect(stdout).toMatch(/hello \| ✔ succeeded \d+\.\ds/);
    expect(stdout).toMatch(/results: .*\.dockercise\/runs\/\d{8}T\d{6}Z-[0-9a-f]{6}\n/);
    const runs = await readdir(join(dir, '.dockercise', 'runs'));
    expect(runs).toHaveLength(1);
  });

  it('run gives steps the working tree as it is: changes and untracked files in, ignored ones out', async () => {
    const dir = await tree({
      'ci.dockercise.yaml': `look:\n  img: ${IMG}\n  run: ls -A && cat VERSION && echo "$DOCKERCISE_COMMIT"\n`,
      VERSION: '1.0\n',
      '.gitignore': 'secret.env\n',
    });
    const git = (...args: string[]) =>
      new Promise<string>((done, fail) =>
        execFile('git', ['-C', dir, ...args], (error, out) => (error ? fail(error) : done(out.trim()))),
      );
    await git('init', '-q');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'first');
    const commit = await git('rev-parse', 'HEAD');
    await writeFile(join(dir, 'VERSION'), '1.1-uncommitted\n');
    await writeFile(join(dir, 'notes.txt'), 'not added yet\n');
    await writeFile(join(dir, 'secret.env'), 'TOKEN=x\n');
    const { code, stdout } = await dockercise(['run', dir]);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => l.startsWith('look | ') && !/[▶✔]/.test(l));
    expect(lines.map((l) => l.slice('look | '.length))).toEqual([
      '.git',
      '.gitignore',
      'VERSION',
      'ci.dockercise.yaml',
      'notes.txt',
      '1.1-uncommitted',
      commit,
    ]);
  });

  it('runs the example build-test-deploy pipeline unchanged, as the local server and a host do', async () => {
    const dir = await tree(exampleFiles());
    const git = (...args: string[]) =>
      new Promise<string>((done, fail) =>
        execFile('git', ['-C', dir, ...args], (error, out) => (error ? fail(error) : done(out.trim()))),
      );
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'first');
    const commit = await git('rev-parse', 'HEAD');
    const waiting = await dockercise(['run', dir]);
    expect(waiting.code, waiting.stdout + waiting.stderr).toBe(2);
    const runId = /--resume (\S+) --approve/.exec(waiting.stdout)?.[1] as string;
    const approved = await dockercise(['run', dir, '--resume', runId, '--approve']);
    expect(approved.code, approved.stdout + approved.stderr).toBe(0);
    const logs: Record<string, string[]> = {};
    for (const step of ['build', 'test', 'deploy'])
      logs[step] = logTexts(
        await readFile(join(dir, '.dockercise', 'runs', runId, 'logs', `${step}.log`), 'utf8'),
      );
    expect(logs).toEqual(exampleLogs(commit, 'manual'));
    await removeCacheVolumes(dir);
  });

  it("gives steps a .git at the commit, borrowing the repository's objects: history and changes show", async () => {
    const dir = await tree({
      'ci.dockercise.yaml': `look:\n  img: ${GIT_IMAGE}\n  run: git log --format=%s && git status --porcelain && git remote get-url origin\n`,
      VERSION: '1.0\n',
    });
    const git = (...args: string[]) =>
      new Promise<string>((done, fail) =>
        execFile('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], (error, out) =>
          error ? fail(error) : done(out.trim()),
        ),
      );
    await git('init', '-q');
    await git('remote', 'add', 'origin', 'git@github.com:me/app.git');
    await git('add', '.');
    await git('commit', '-qm', 'first');
    await writeFile(join(dir, 'VERSION'), '1.1\n');
    await git('commit', '-qam', 'second');
    await writeFile(join(dir, 'VERSION'), '1.2-uncommitted\n');
    await writeFile(join(dir, 'notes.txt'), 'new\n');
    const texts = (out: string) =>
      out
        .split('\n')
        .filter((l) => l.startsWith('look | ') && !/[▶✔]/.test(l))
        .map((l) => l.slice('look | '.length));
    const run = await dockercise(['run', dir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(texts(run.stdout)).toEqual([
      'second',
      'first',
      ' M VERSION',
      '?? notes.txt',
      'git@github.com:me/app.git',
    ]);
    // A commit's run: that commit's history, nothing changed.
    const first = await git('rev-parse', 'HEAD~1');
    const atFirst = await dockercise(['run', dir, '--commit', first]);
    expect(atFirst.code, atFirst.stdout + atFirst.stderr).toBe(0);
    expect(texts(atFirst.stdout)).toEqual(['first', 'git@github.com:me/app.git']);
    // The borrowed .git folders are gone once the run ends.
    const left = await readdir(join(tmpdir(), 'dockercise-git')).catch(() => []);
    expect(left.filter((name) => name.startsWith('run-'))).toEqual([]);
  });

  it('run --commit runs a commit: its pipeline and its files, not the working tree', async () => {
    const dir = await tree({
      'ci.dockercise.yaml': `old:\n  img: ${IMG}\n  run: cat VERSION\n`,
      VERSION: '1.0\n',
    });
    const git = (...args: string[]) =>
      new Promise<string>((done, fail) =>
        execFile('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], (error, out) =>
          error ? fail(error) : done(out.trim()),
        ),
      );
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-qm', 'first');
    const first = await git('rev-parse', 'HEAD');
    await writeFile(join(dir, 'ci.dockercise.yaml'), `new:\n  img: ${IMG}\n  run: cat VERSION\n`);
    await writeFile(join(dir, 'VERSION'), '2.0\n');
    await git('commit', '-qam', 'second');
    await writeFile(join(dir, 'VERSION'), '3.0-uncommitted\n');

    const { code, stdout } = await dockercise(['run', dir, '--commit', 'HEAD~1']);
    expect(code).toBe(0);
    expect(stdout).toContain('old | 1.0\n');
    expect(stdout).not.toContain('new |');
    const runs = await readdir(join(dir, '.dockercise', 'runs'));
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runs[0] as string, 'result.json'), 'utf8'),
    );
    expect(result.source.commit).toBe(first);
    expect(await dockercise(['run', dir, '--commit', 'no-such-ref'])).toMatchObject({ code: 64 });
  });

  it('run exits 1 when a step fails, and 2 when it stops at a gate (with how to go on)', async () => {
    const failing = await tree({ 'a.dockercise.yaml': `bad:\n  img: ${IMG}\n  run: exit 1\n` });
    expect((await dockercise(['run', failing])).code).toBe(1);

    const gated = await tree({
      'a.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  run: echo shipped\n`,
    });
    const waiting = await dockercise(['run', gated]);
    expect(waiting.code).toBe(2);
    const goOn =
      /stopped at the human-click gate of a\.dockercise\.yaml\nto go on: dockercise run (\S+) --resume (\S+) --approve \(every gate\), or dockercise run \1 --resume \2 --approve=a\n/.exec(
        waiting.stdout,
      );
    expect(goOn, waiting.stdout).not.toBeNull();
    // Doing what it says goes on with that run; doing it again is refused: the run has succeeded.
    const [, , runId] = goOn as RegExpExecArray;
    const resumed = await dockercise(['run', gated, '--resume', runId as string, '--approve']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`run ${runId} succeeded`);
    expect(await dockercise(['run', gated, '--resume', runId as string, '--approve'])).toMatchObject({
      code: 64,
      stderr: `dockercise: run ${runId} succeeded: there is nothing to resume; run again without --resume\n`,
    });
    // The folder after --approve is the folder, never a gate's name.
    const approved = await dockercise(['run', '--approve', gated]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('ship | shipped');
    const named = await dockercise(['run', gated, '--approve=a']);
    expect(named.code).toBe(0);
    const unknown = await dockercise(['run', gated, '--approve=deploy']);
    expect(unknown).toMatchObject({
      code: 64,
      stderr: 'dockercise: no gate named deploy; the gates are a.dockercise.yaml\n',
    });
    // Results stay out of git: their folder ignores itself.
    expect(await readFile(join(gated, '.dockercise', '.gitignore'), 'utf8')).toContain('*');
  });

  it('removes the workspaces a run kept at its gate once it has waited 14 days, and can still resume it', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built > app.txt\n`,
      'b.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  vol: build\n  run: cat app.txt\n`,
    });
    const waiting = await dockercise(['run', dir]);
    expect(waiting.code).toBe(2);
    const runId = /--resume (\S+) --approve/.exec(waiting.stdout)?.[1] as string;
    expect((await leftovers(runId)).volumes).toBe(1);
    // Another run the next day keeps it; one after 14 days removes it.
    await dockercise(['run', dir, '--step', 'build']);
    expect((await leftovers(runId)).volumes).toBe(1);
    const record = join(dir, '.dockercise', 'runs', runId, 'result.json');
    const fifteenDaysAgo = new Date(Date.now() - 15 * 24 * 60 * 60 * 1000);
    await utimes(record, fifteenDaysAgo, fifteenDaysAgo);
    await dockercise(['run', dir, '--step', 'build']);
    expect((await leftovers(runId)).volumes).toBe(0);
    // Approving it later rebuilds what the deploy mounts, then ships it.
    const resumed = await dockercise(['run', dir, '--resume', runId, '--approve']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('ship | built');
  });

  it('run says how to make an image where none can be pulled', async () => {
    // A registry on a closed local port: the pull fails at once, with no network.
    const dir = await tree({
      'a.dockercise.yaml': 'hello:\n  img: 127.0.0.1:9/no/such-image:1\n  run: echo hi\n',
    });
    const { code, stderr } = await dockercise(['run', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "dockercise: hint: no registry reachable? make a local image under that name from the host's static busybox: bash scripts/build-busybox-image.sh 127.0.0.1:9/no/such-image:1",
    );
  });

  it('tells warnings as sentences, and as JSON lines only when asked', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `token:\n  img: ${IMG}\n  secret: true\n  run: echo s3cr3t-value\nleak:\n  img: ${IMG}\n  run: cat {token}\n`,
    });
    const text = await dockercise(['run', dir]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(
      'dockercise: warning: output not stored: it contains a secret value (step leak)\n',
    );
    const json = await dockercise(['--log-format', 'json', 'run', dir]);
    expect(JSON.parse(json.stderr.trim())).toMatchObject({
      level: 40,
      step: 'leak',
      msg: 'output not stored: it contains a secret value',
    });
  });

  it('runs a flaky step again, and filters steps by branch', async () => {
    const dir = await tree({
      'a.dockercise.yaml':
        // The first attempt leaves a marker in the step's workspace, which outlives the attempt.
        `flaky:\n  img: ${IMG}\n  retry: 2\n  run: test -f marker || {{ touch marker; exit 1; }}\nmain-only:\n  img: ${IMG}\n  when: { branch: [main] }\n  run: echo on main\n`,
    });
    const dev = await dockercise(['run', dir, '--branch', 'dev']);
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/flaky \| ✔ succeeded/);
    expect(dev.stdout).toContain('main-only | ↷ skipped');
    const runs = await readdir(join(dir, '.dockercise', 'runs'));
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runs[0] ?? '', 'result.json'), 'utf8'),
    );
    expect(result.steps[0].attempts.map((a: { exitCode: number }) => a.exitCode)).toEqual([1, 0]);
    expect(result.steps[1]).toMatchObject({ status: 'skipped', skipReason: 'filtered' });
    const main = await dockercise(['run', dir, '--branch', 'main']);
    expect(main.stdout).toContain('main-only | on main');
  });

  it('run --resume goes on with an earlier run: what succeeded is kept, what failed runs', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `stamp:\n  img: ${IMG}\n  run: cat /proc/sys/kernel/random/uuid\nuse:\n  img: ${IMG}\n  run: exit 1\n`,
    });
    expect((await dockercise(['run', dir])).code).toBe(1);
    const [runId] = await readdir(join(dir, '.dockercise', 'runs'));
    const stamp = await readFile(join(dir, '.dockercise', 'runs', runId ?? '', 'outputs', 'stamp'), 'utf8');
    // Fixed, and run again from where it failed: stamp keeps its output, use reads it.
    await writeTree(dir, {
      'a.dockercise.yaml': `stamp:\n  img: ${IMG}\n  run: cat /proc/sys/kernel/random/uuid\nuse:\n  img: ${IMG}\n  run: cat {stamp}\n`,
    });
    const resumed = await dockercise(['run', dir, '--resume', runId ?? '']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`use | ${stamp.trim()}`);
    // stamp did not run again: none of its output lines, only its kept status.
    expect(resumed.stdout).not.toMatch(/stamp \| [0-9a-f]{8}-/);
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runId ?? '', 'result.json'), 'utf8'),
    );
    expect(result).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(await dockercise(['run', dir, '--resume', '20990101T000000Z-000000'])).toMatchObject({ code: 64 });
  });

  it('keeps a cache from one run for the next, under its key', async () => {
    const dir = await tree({
      // A key of this test's own: caches outlive runs, and the engine outlives this test.
      'a.dockercise.yaml': `key:\n  img: ${IMG}\n  run: echo ${randomUUID()}\nbuild:\n  img: ${IMG}\n  cache: [{ path: /cache, key: "deps-{key}" }]\n  run: if test -f /cache/deps; then echo warm; else echo filled > /cache/deps; echo cold; fi\n`,
    });
    try {
      expect((await dockercise(['run', dir])).stdout).toContain('build | cold');
      expect((await dockercise(['run', dir])).stdout).toContain('build | warm');
    } finally {
      await removeCacheVolumes(dir);
    }
  });

  it("keeps a pull request's run from changing the cache a branch build mounts, and branches apart", async () => {
    const key = randomUUID().slice(0, 8);
    // `build` prints what its cache holds, then writes into it what `write` printed.
    const pipeline = (value: string) =>
      `write:\n  img: ${IMG}\n  run: echo ${value}\nbuild:\n  img: ${IMG}\n  cache: [{ path: /cache, key: "deps-${key}" }]\n  env: [write]\n  run: cat /cache/deps 2>/dev/null || echo empty; echo "$WRITE" > /cache/deps\n`;
    const dir = await tree({ 'a.dockercise.yaml': pipeline('packed') });
    const build = async (...args: string[]) => {
      const { stdout } = await dockercise(['run', dir, ...args]);
      return stdout.split('\n').find((l) => /^build \| (empty|packed|tampered)$/.test(l));
    };
    try {
      expect(await build('--branch', 'main')).toBe('build | empty');
      expect(await build('--branch', 'main')).toBe('build | packed');
      // A pull request reads main's cache and writes into its own copy, which goes with its run.
      await writeFile(join(dir, 'a.dockercise.yaml'), pipeline('tampered'));
      expect(await build('--branch', 'main', '--event', 'pull_request')).toBe('build | packed');
      expect(await build('--branch', 'main', '--event', 'pull_request')).toBe('build | packed');
      await writeFile(join(dir, 'a.dockercise.yaml'), pipeline('packed'));
      expect(await build('--branch', 'main')).toBe('build | packed');
      // Another branch has caches of its own (this folder has no origin/HEAD to fall back to).
      expect(await build('--branch', 'feature')).toBe('build | empty');
    } finally {
      // main's and feature's: the pull requests' copies went with their runs.
      expect(await removeCacheVolumes(dir)).toHaveLength(2);
    }
  });

  it('run --step runs a step and what it needs, nothing else', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `a:\n  img: ${IMG}\n  run: echo from-a\nb:\n  img: ${IMG}\n  run: cat {a}\nc:\n  img: ${IMG}\n  run: echo from-c\n`,
    });
    const { code, stdout } = await dockercise(['run', dir, '--step', 'b']);
    expect(code).toBe(0);
    expect(stdout).toContain('b | from-a');
    expect(stdout).not.toContain('from-c');
    const unknown = await dockercise(['run', dir, '--step', 'zz']);
    expect(unknown).toMatchObject({
      code: 64,
      stderr: 'dockercise: no step named zz; the steps are a, b, c\n',
    });
  });

  it('Ctrl-C cancels the run and leaves no container behind, also those made ahead for waiting steps', async () => {
    const dir = await tree({
      'a.dockercise.yaml': `slow:\n  img: ${IMG}\n  run: echo up; sleep 60\nnext:\n  img: ${IMG}\n  run: cat {slow}\n`,
    });
    const child = spawn(process.execPath, [BIN, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const up = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('slow | up')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await up;
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const runId = /run (\S+) cancelled/.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    expect(await leftovers(runId ?? '')).toEqual({ containers: 0, volumes: 0 });
  });

  it('says clearly when the Docker engine cannot be reached', async () => {
    const dir = await tree({ 'a.dockercise.yaml': `a:\n  img: ${IMG}\n  run: "true"\n` });
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'run', dir],
        { env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } },
        (error, _out, stderr) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'dockercise: cannot reach the Docker engine at unix:///nonexistent/docker.sock: is dockerd running?\n',
    );
  });
});
