import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { IMG } from '../../agent/test/harness.js';
// The registry's values, provided by its global setup.
import type {} from '../../agent/test/registry.global.js';

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

  it('builds an image from the workspace without a Docker socket, runs it in a later step, and pushes it', async () => {
    const registry = inject('registry');
    const password = inject('registryPassword');
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-build-'));
    await writeFile(
      join(dir, 'Dockerfile'),
      `FROM ${IMG}\nARG VERSION\nCOPY app.txt /app.txt\nRUN test ! -e /var/run/docker.sock && echo "built $VERSION" > /built.txt\n`,
    );
    await writeFile(join(dir, 'app.txt'), 'the app\n');
    await writeFile(
      join(dir, 'ci.dockercise.yaml'),
      `version:\n  img: ${IMG}\n  checkout: false\n  run: echo 2.0\nimage:\n  build:\n    args: { VERSION: "{version}" }\n    push: [${registry}/team/app:2.0]\ntry:\n  img: "{image}"\n  checkout: false\n  run: cat /built.txt /app.txt && test ! -e /var/run/docker.sock && echo no socket\n`,
    );
    const config = join(dir, '.docker-config');
    await mkdir(config);
    const auth = Buffer.from(`${inject('registryUser')}:${password}`).toString('base64');
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [registry]: { auth } } }));
    const ran = await dockercise(['run', dir], { DOCKER_CONFIG: config });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toContain('try | built 2.0');
    expect(ran.stdout).toContain('try | the app');
    expect(ran.stdout).toContain('try | no socket');
    const runId = /run (\S+) succeeded/.exec(ran.stdout)?.[1] ?? '';
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runId, 'result.json'), 'utf8'),
    ) as {
      steps: Array<{ name: string; built?: { id: string; pushed: string[] } }>;
    };
    const built = result.steps.find((s) => s.name === 'image')?.built;
    expect(built?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(built?.pushed).toEqual([
      expect.stringMatching(new RegExp(`^${registry}/team/app@sha256:[0-9a-f]{64}$`)),
    ]);
    // The step's output is the pushed image by digest; the registry has it under its tag.
    const output = await readFile(join(dir, '.dockercise', 'runs', runId, 'outputs', 'image'), 'utf8');
    expect(output).toBe(built?.pushed[0]);
    const manifest = await fetch(`http://${registry}/v2/team/app/manifests/2.0`, {
      headers: {
        authorization: `Basic ${auth}`,
        accept: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    expect(manifest.status).toBe(200);
    expect(await allText(join(dir, '.dockercise'))).not.toContain(password);
  });

  it('fails a build step with no Dockerfile, in a sentence naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-build-'));
    await writeFile(join(dir, 'ci.dockercise.yaml'), 'image:\n  build: { context: app }\n');
    const ran = await dockercise(['run', dir], {});
    expect(ran.code).toBe(1);
    const runId = /run (\S+) failed/.exec(ran.stdout)?.[1] ?? '';
    const result = JSON.parse(
      await readFile(join(dir, '.dockercise', 'runs', runId, 'result.json'), 'utf8'),
    ) as {
      steps: Array<{ error?: string }>;
    };
    expect(result.steps[0]?.error).toBe("no Dockerfile at app/Dockerfile in the step's workspace");
  });
});
