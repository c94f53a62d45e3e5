import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

describe("the agent's tarball, as a host's boot script installs it", () => {
  it('unpacks into one release that runs with nothing else: every dependency bundled, no native code', () => {
    const out = mkdtempSync(join(tmpdir(), 'agent-pack-'));
    const tarball = execFileSync('bash', [`${ROOT}scripts/pack-agent.sh`, out], { encoding: 'utf8' }).trim();
    expect(tarball).toBe(join(out, 'dockercise-agent-0.1.0.tgz'));

    // Exactly as dockercise-boot unpacks it.
    const release = join(out, 'releases', '0.1.0');
    mkdirSync(release, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', release, '--strip-components=1', '--no-same-owner']);
    expect(files(release).sort()).toEqual([
      'bin/dockercise-agent.js',
      'dist/agent.mjs',
      'host/dockercise-agent.service',
      'host/dockercise-leave',
      'host/dockercise-leave.service',
      'host/dockercise-patch',
      'host/dockercise-patch.service',
      'host/dockercise-watchdog',
      'host/dockercise-watchdog.service',
      'host/dockercise-watchdog.timer',
      'package.json',
    ]);
    // Nothing for npm to resolve on the host, and no .node file tying it to one architecture.
    const pkg = JSON.parse(readFileSync(join(release, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.bundleDependencies).toBeUndefined();

    // From an empty directory with an empty environment: no node_modules anywhere to lean on.
    const empty = mkdtempSync(join(tmpdir(), 'agent-run-'));
    const bin = join(release, 'bin', 'dockercise-agent.js');
    const env = { PATH: process.env.PATH ?? '/usr/bin' };
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8', cwd: empty, env }).trim()).toBe('0.1.0');
    // Unconfigured, it says what is missing and exits 78, as systemd would show it.
    const run = spawnSync(bin, ['--config', '/dev/null', '--metadata-endpoint', 'http://127.0.0.1:9'], {
      encoding: 'utf8',
      cwd: empty,
      env,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DOCKERCISE_QUEUE_URL is missing');

    const unit = readFileSync(join(release, 'host', 'dockercise-agent.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/local/bin/dockercise-agent --config /etc/dockercise/agent.env');
    expect(unit).toContain('OnFailure=dockercise-leave.service');
    expect(unit).toContain('RestartPreventExitStatus=78');
  }, 180_000);

  it('has host scripts that pass shellcheck', () => {
    for (const script of ['dockercise-leave', 'dockercise-watchdog']) {
      const check = spawnSync('shellcheck', [join(ROOT, 'agent', 'host', script)], { encoding: 'utf8' });
      expect(check.stdout, script).toBe('');
      expect(check.status, script).toBe(0);
    }
  });
});
