import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerEngine, ContainerHandle, ContainerSpec, OutputChunk } from '../src/engine/engine.js';
import { type FakeBehaviour, FakeEngine } from '../src/engine/fake-engine.js';

/**
 * What every ContainerEngine must do, run against FakeEngine (agent-unit) and DockerEngine
 * (agent-docker), as the store's contract suite runs on both stores: the fast runner tests lean
 * on the fake, so the fake must behave as the engine does. The commands are the few the fake plays
 * (COMMANDS); the real engine runs them in the test image's shell.
 */
export function engineContract(name: string, make: () => ContainerEngine, image: string): void {
  describe(`the ${name} engine keeps the ContainerEngine contract`, () => {
    const engine = make();
    const label = `dockercise.contract-${name}`;
    const run = randomUUID().slice(0, 8);
    afterEach(async () => {
      await engine.removeLabelled(label, run);
    });
    const spec = (command: string, more: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name: `contract-${run}-${randomUUID().slice(0, 6)}`,
      image,
      command: ['sh', '-c', command],
      env: {},
      workdir: '',
      labels: { [label]: run },
      volumes: [],
      files: [],
      limits: {},
      ...more,
    });
    const output = async (chunks: AsyncIterable<OutputChunk>) => {
      const text = { stdout: '', stderr: '' };
      for await (const chunk of chunks) text[chunk.stream] += chunk.data.toString('utf8');
      return text;
    };

    it('starts attached: every line of stdout and stderr, apart, then the exit code', async () => {
      const handle = await engine.setup(spec(COMMANDS.outputs));
      const text = await output(await engine.start(handle));
      expect(text).toEqual({ stdout: 'out\n', stderr: 'err\n' });
      expect(await engine.wait(handle)).toBe(3);
      await engine.destroy(handle);
    });

    it('frees a name only once its container is removed; removing twice is no error', async () => {
      const first = spec(COMMANDS.quiet);
      const handle = await engine.setup(first);
      await expect(engine.setup(first)).rejects.toThrow();
      await engine.destroy(handle);
      await engine.destroy(handle);
      const again = await engine.setup(first);
      await engine.destroy(again);
    });

    it('stops a hanging container: 137 when killed at once, and stopping again is no error', async () => {
      const handle: ContainerHandle = await engine.setup(spec(COMMANDS.hang));
      const ended = output(await engine.start(handle));
      await engine.stop(handle, 0);
      expect(await engine.wait(handle)).toBe(137);
      await ended;
      await engine.stop(handle, 0);
      await engine.destroy(handle);
      await engine.stop(handle, 0);
    });

    it('runs a command inside a running container and gives its exit code', async () => {
      const handle = await engine.setup(spec(COMMANDS.hang));
      const ended = output(await engine.start(handle));
      expect(await engine.exec(handle, ['sh', '-c', COMMANDS.execOk])).toBe(0);
      expect(await engine.exec(handle, ['sh', '-c', COMMANDS.execFails])).toBe(4);
      await engine.stop(handle, 0);
      await ended;
      await engine.destroy(handle);
    });

    it('keeps a volume until removed, and moves its files as a tar under data/', async () => {
      const volume = `contract-${run}-vol`;
      const copy = `contract-${run}-copy`;
      expect(await engine.volumeExists(volume)).toBe(false);
      await engine.createVolume(volume, { [label]: run });
      await engine.createVolume(copy, { [label]: run });
      expect(await engine.volumeExists(volume)).toBe(true);
      await engine.importVolume(volume, image, tarOf({ 'data/lib/a.txt': 'alpha', 'data/b.txt': 'beta' }));
      await engine.exportVolume(volume, image, (archive) => engine.importVolume(copy, image, archive));
      const files = await engine.exportVolume(copy, image, filesOf);
      expect(files).toEqual({ 'data/b.txt': 'beta', 'data/lib/a.txt': 'alpha' });
      await engine.removeVolume(copy);
      await engine.removeVolume(copy);
      expect(await engine.volumeExists(copy)).toBe(false);
    });

    it('removes what carries a label: containers and volumes, counted, but the volumes it keeps', async () => {
      await engine.createVolume(`contract-${run}-labelled`, { [label]: run });
      await engine.createVolume(`contract-${run}-kept`, { [label]: run });
      await engine.createNetwork(`contract-${run}-net`, { [label]: run });
      await engine.setup(spec(COMMANDS.quiet));
      expect(await engine.removeLabelled(label, run, new Set([`contract-${run}-kept`]))).toEqual({
        containers: 1,
        volumes: 1,
      });
      expect(await engine.volumeExists(`contract-${run}-labelled`)).toBe(false);
      expect(await engine.volumeExists(`contract-${run}-kept`)).toBe(true);
      expect(await engine.removeLabelled(label, run)).toEqual({ containers: 0, volumes: 1 });
      expect(await engine.removeLabelled(label, run)).toEqual({ containers: 0, volumes: 0 });
    });
  });
}

/** The commands the suite runs, and what the fake makes of each (fakeInterpreter). */
const COMMANDS = {
  outputs: 'echo out; echo err >&2; exit 3',
  quiet: 'true',
  hang: 'sleep 300',
  execOk: 'true',
  execFails: 'exit 4',
} as const;

const FAKE_BEHAVIOUR: Record<string, FakeBehaviour> = {
  [COMMANDS.outputs]: { stdout: 'out\n', stderr: 'err\n', exitCode: 3 },
  [COMMANDS.quiet]: {},
  [COMMANDS.hang]: { hang: true },
};
const FAKE_EXEC: Record<string, number> = { [COMMANDS.execOk]: 0, [COMMANDS.execFails]: 4 };

/** A FakeEngine that plays the suite's commands. */
export function contractFakeEngine(): FakeEngine {
  const engine = new FakeEngine((c) => FAKE_BEHAVIOUR[c.spec.command[2] ?? ''] ?? { exitCode: 127 });
  engine.execScript = (_spec, command) => FAKE_EXEC[command[2] ?? ''] ?? 127;
  return engine;
}

function tarOf(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, body);
  pack.finalize();
  return pack;
}

/** The regular files of a tar, by name. */
function filesOf(archive: Readable): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const extract = tar.extract();
  return new Promise((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (header.type === 'file') files[header.name] = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', () => resolve(Object.fromEntries(Object.entries(files).sort())));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
