import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/dockercise.js', import.meta.url));

function dockercise(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const removeImage = (image: string) =>
  new Promise((done) => execFile('docker', ['rmi', '-f', image], () => done(undefined)));

/** Every file under `dir`, read as text. */
async function allText(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    names.filter((n) => n.isFile()).map((n) => readFile(join(n.parentPath, n.name), 'utf8')),
  );
  return texts.join('\n');
}

describe('`dockercise run` and a private registry', () => {
  it("pulls a step's image with the user's own Docker credentials, and says how to give them when missing", async () => {
    const image = inject('privateImage');
    const registry = inject('registry');
    const password = inject('registryPassword');
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-private-'));
    await writeFile(
      join(dir, 'a.dockercise.yaml'),
      `private:\n  img: ${image}\n  checkout: false\n  run: echo pulled\n`,
    );

    // No credentials: refused, in a sentence naming the registry and how to log in.
    const empty = join(dir, 'no-docker-config');
    await mkdir(empty);
    await removeImage(image);
    const refused = await dockercise(['run', dir], { DOCKER_CONFIG: empty });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(
      `image ${image}: ${registry} wants credentials to pull it, and dockercise has none for ${registry}; log in with docker login ${registry}`,
    );

    // The user's config.json, as `docker login` writes it.
    const config = join(dir, 'docker-config');
    await mkdir(config);
    const auth = Buffer.from(`${inject('registryUser')}:${password}`).toString('base64');
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [registry]: { auth } } }));
    await removeImage(image);
    const pulled = await dockercise(['run', dir], { DOCKER_CONFIG: config });
    expect(pulled.code, pulled.stdout + pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain('private | pulled');
    // The password is nowhere in what the runs left.
    const results = await allText(join(dir, '.dockercise'));
    expect(results).toContain('pulled');
    expect(results).not.toContain(password);
    expect(results).not.toContain(auth);
    await removeImage(image);
  });
});
