import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe("the agent's tarball, as the host's UserData installs it", () => {
  it('installs with npm install --global and runs the agent, with its systemd unit where UserData expects it', () => {
    const out = mkdtempSync(join(tmpdir(), 'agent-pack-'));
    const tarball = execFileSync('bash', [`${ROOT}scripts/pack-agent.sh`, out], { encoding: 'utf8' }).trim();
    expect(tarball).toBe(join(out, 'dockercise-agent-0.1.0.tgz'));

    const prefix = join(out, 'prefix');
    execFileSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', tarball],
      { stdio: 'pipe' },
    );
    const bin = join(prefix, 'bin', 'dockercise-agent');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe('0.1.0');
    const unit = join(prefix, 'lib', 'node_modules', '@dockercise', 'agent', 'dockercise-agent.service');
    expect(existsSync(unit)).toBe(true);
    expect(readFileSync(unit, 'utf8')).toContain(
      'ExecStart=/usr/bin/env dockercise-agent --config /etc/dockercise/agent.env',
    );

    // Unconfigured, it says what is missing and exits 78, as systemd would show it.
    const run = spawnSync(bin, ['--config', '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DOCKERCISE_QUEUE_URL is missing');
  }, 180_000);
});
