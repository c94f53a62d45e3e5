import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMG } from '../../agent/test/harness.js';

const BIN = fileURLToPath(new URL('../bin/dockercise.js', import.meta.url));

describe('`dockercise run` of a step with artifacts', () => {
  it('keeps matching files byte for byte with their sha256, never a link out of the workspace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-artifacts-'));
    await writeFile(
      join(dir, 'ci.dockercise.yaml'),
      `build:\n  img: ${IMG}\n  checkout: false\n  artifacts: [dist/*, "reports/**/*.xml", missing/*]\n  run: |\n    mkdir -p dist reports/unit\n    head -c 300000 /dev/urandom > dist/app.bin\n    echo '<testsuite/>' > reports/unit/a.xml\n    ln -s /etc/passwd dist/passwd\n    sha256sum dist/app.bin | cut -c1-64\n`,
    );
    const ran = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'run', dir], { timeout: 60_000 }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      ),
    );
    expect(ran.code, ran.stdout).toBe(0);
    const runId = /run (\S+) succeeded/.exec(ran.stdout)?.[1] ?? '';
    const runDir = join(dir, '.dockercise', 'runs', runId);
    const result = JSON.parse(await readFile(join(runDir, 'result.json'), 'utf8')) as {
      steps: Array<{ artifacts?: Array<{ path: string; size: number; sha256: string }> }>;
    };
    const inStep = (await readFile(join(runDir, 'outputs', 'build'), 'utf8')).trim();
    const stored = await readFile(join(runDir, 'artifacts', 'build', 'dist', 'app.bin'));
    expect(result.steps[0]?.artifacts).toEqual([
      { path: 'dist/app.bin', size: 300_000, sha256: inStep },
      {
        path: 'reports/unit/a.xml',
        size: 13,
        sha256: createHash('sha256').update('<testsuite/>\n').digest('hex'),
      },
    ]);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(inStep);
    const log = await readFile(join(runDir, 'logs', 'build.log'), 'utf8');
    expect(log).toContain(
      '[dockercise: artifact dist/passwd is a symbolic link: not kept (links are never followed)]',
    );
    expect(log).toContain('[dockercise: artifact missing/* matched no file]');
    await expect(readFile(join(runDir, 'artifacts', 'build', 'dist', 'passwd'))).rejects.toThrow();
  });

  it("summarises a failed step's JUnit report in the result and prints the failed test, the report kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-junit-'));
    const report =
      '<testsuites><testsuite name="auth"><testcase classname="auth" name="test_login" file="tests/test_auth.py" line="12"><failure message="expected 200, got 401"/></testcase><testcase classname="auth" name="test_logout"/></testsuite></testsuites>';
    await writeFile(
      join(dir, 'ci.dockercise.yaml'),
      `test:\n  img: ${IMG}\n  checkout: false\n  reports: { junit: ["reports/*.xml"] }\n  run: mkdir -p reports && echo '${report}' > reports/junit.xml && exit 1\n`,
    );
    const ran = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'run', dir], { timeout: 60_000 }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      ),
    );
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(
      'test: 1 of 2 tests failed\n  ✘ auth > test_login (tests/test_auth.py:12): expected 200, got 401\n',
    );
    const runId = /run (\S+) failed/.exec(ran.stdout)?.[1] ?? '';
    const runDir = join(dir, '.dockercise', 'runs', runId);
    const result = JSON.parse(await readFile(join(runDir, 'result.json'), 'utf8')) as {
      steps: Array<{ tests?: unknown; artifacts?: Array<{ path: string }> }>;
    };
    expect(result.steps[0]?.tests).toEqual({
      passed: 1,
      failed: 1,
      skipped: 0,
      failures: [
        {
          suite: 'auth',
          name: 'test_login',
          message: 'expected 200, got 401',
          file: 'tests/test_auth.py',
          line: 12,
        },
      ],
    });
    expect(result.steps[0]?.artifacts?.map((a) => a.path)).toEqual(['reports/junit.xml']);
  });

  it("marks a test flaky that failed and then passed on the step's retry", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-flaky-'));
    const failing =
      '<testsuite name="auth"><testcase classname="auth" name="test_flaky"><failure message="timeout"/></testcase></testsuite>';
    const passing = '<testsuite name="auth"><testcase classname="auth" name="test_flaky"/></testsuite>';
    await writeFile(
      join(dir, 'ci.dockercise.yaml'),
      `test:\n  img: ${IMG}\n  checkout: false\n  retry: 1\n  reports: { junit: [report.xml] }\n  run: |\n    if [ "\${DOCKERCISE_STEP_ATTEMPT:-1}" = 1 ]; then echo '${failing}' > report.xml; exit 1; fi\n    echo '${passing}' > report.xml\n`,
    );
    const ran = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'run', dir], { timeout: 60_000 }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      ),
    );
    expect(ran.code, ran.stdout).toBe(0);
    const runId = /run (\S+) succeeded/.exec(ran.stdout)?.[1] ?? '';
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runId, 'result.json'), 'utf8'),
    ) as {
      steps: Array<{ tests?: unknown }>;
    };
    expect(result.steps[0]?.tests).toEqual({
      passed: 1,
      failed: 0,
      skipped: 0,
      failures: [],
      flaky: ['auth > test_flaky'],
    });
    expect(ran.stdout).toContain('test: flaky (failed, then passed on a retry): auth > test_flaky');
  });
});
