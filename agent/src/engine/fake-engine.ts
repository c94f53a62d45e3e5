import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import {
  type ContainerEngine,
  type ContainerHandle,
  type ContainerSpec,
  type ImageBuild,
  type ImageInfo,
  ImageUnavailableError,
  type Labels,
  type OutputChunk,
} from './engine.js';

/** What a scripted container does: its output and exit code, or hanging until it is stopped. */
export interface FakeBehaviour {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Runs until stopped (a timeout, a cancel). */
  hang?: boolean;
}

/** What a script sees of the container it plays: its spec and its mounted volumes as file maps. */
export interface FakeContainer {
  spec: ContainerSpec;
  /** The files of the volume mounted at `target` (`/workspace`, `/vol/<step>`). */
  files(target: string): Map<string, string>;
}

export type FakeScript = (container: FakeContainer) => FakeBehaviour | Promise<FakeBehaviour>;

interface Running {
  spec: ContainerSpec;
  exit: Promise<number>;
  stop(code: number): void;
}

/**
 * An in-memory ContainerEngine for tests of the runner and the job handler: containers are scripts,
 * volumes are maps of files that live until removed, as Docker's do. Records what happened, in
 * order, so tests can check what ran when. Like Woodpecker's dummy backend: no engine, milliseconds.
 */
export class FakeEngine implements ContainerEngine {
  readonly events: string[] = [];
  /** Names of the containers running now. */
  readonly running = new Set<string>();
  readonly volumes = new Map<string, { labels: Labels; files: Map<string, string> }>();
  readonly networks = new Map<string, Labels>();
  private readonly containers = new Map<string, Running>();
  private nextId = 0;

  /** How long removing a container takes, as a slow daemon's would (0: at once). */
  destroyDelayMs = 0;

  /** Names of the containers that exist now: made, and not yet removed. */
  get containerNames(): string[] {
    return [...this.containers.values()].map((c) => c.spec.name);
  }

  /** What a command run in a container (a readiness check) exits with; 0 unless a test says. */
  execScript: (spec: ContainerSpec, command: string[]) => number = () => 0;

  constructor(
    private readonly script: FakeScript = () => ({}),
    private readonly images: ReadonlySet<string> | 'any' = 'any',
  ) {}

  async ping(): Promise<void> {}

  async emptyImage(): Promise<string> {
    return 'fake/empty';
  }

  /** Builds nothing: an image id named by the Dockerfile, after one line of output. */
  async buildImage(_context: Readable, build: ImageBuild, onLine: (text: string) => void): Promise<string> {
    this.events.push(`build ${build.dockerfile}`);
    onLine(`building ${build.dockerfile}`);
    return `sha256:${'0'.repeat(56)}${build.dockerfile.length.toString(16).padStart(8, '0')}`;
  }

  async pushImage(_image: string, name: string): Promise<string> {
    this.events.push(`push ${name}`);
    return `sha256:${'1'.repeat(64)}`;
  }

  async ensureImage(image: string): Promise<ImageInfo> {
    if (this.images !== 'any' && !this.images.has(image))
      throw new ImageUnavailableError(`image ${image} is not present`);
    return { id: `sha256:${image}` };
  }

  async createVolume(name: string, labels: Labels): Promise<void> {
    if (!this.volumes.has(name)) this.volumes.set(name, { labels, files: new Map() });
  }

  async removeVolume(name: string): Promise<void> {
    this.volumes.delete(name);
  }

  async volumeExists(name: string): Promise<boolean> {
    return this.volumes.has(name);
  }

  /** A volume's files as JSON, standing in for the tar the Docker engine makes. */
  async exportVolume<T>(volume: string, _image: string, consume: (tar: Readable) => Promise<T>): Promise<T> {
    const files = this.volumes.get(volume)?.files;
    if (!files) throw new Error(`no volume ${volume}`);
    this.events.push(`export ${volume}`);
    // A real tar with entries under data/, as Docker's archive API gives the volume at /data.
    const pack = tar.pack();
    for (const [path, text] of files) pack.entry({ name: `data/${path}` }, text);
    pack.finalize();
    return consume(pack);
  }

  async importVolume(volume: string, _image: string, archive: Readable): Promise<void> {
    const target = this.volumes.get(volume)?.files;
    if (!target) throw new Error(`no volume ${volume}`);
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (header.type === 'file' && header.name.startsWith('data/'))
          target.set(header.name.slice('data/'.length), Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    await pipeline(archive, extract);
    this.events.push(`import ${volume}`);
  }

  async createNetwork(name: string, labels: Labels): Promise<void> {
    this.networks.set(name, labels);
  }

  async ensureIsolatedNetwork(name: string, subnet: string, gateway: string): Promise<void> {
    if (!this.networks.has(name)) this.networks.set(name, { subnet, gateway });
  }

  async setup(spec: ContainerSpec): Promise<ContainerHandle> {
    // As Docker does: a name is free only once the container that had it is removed.
    if ([...this.containers.values()].some((c) => c.spec.name === spec.name))
      throw new Error(`could not create container ${spec.name}: the name is already in use`);
    const id = `fake-${++this.nextId}`;
    let stop: (code: number) => void = () => {};
    const exit = new Promise<number>((resolve) => {
      stop = resolve;
    });
    this.containers.set(id, { spec, exit, stop });
    this.events.push(`setup ${spec.name}`);
    return { id, name: spec.name };
  }

  async start(handle: ContainerHandle): Promise<AsyncIterable<OutputChunk>> {
    const container = this.mustGet(handle);
    const { spec } = container;
    this.events.push(`start ${spec.name}`);
    this.running.add(spec.name);
    const files = (target: string): Map<string, string> => {
      const mount = spec.volumes.find((v) => v.target === target);
      const volume = mount ? this.volumes.get(mount.volume) : undefined;
      if (!volume) throw new Error(`${spec.name} has no volume at ${target}`);
      return volume.files;
    };
    const behaviour = await this.script({ spec, files });
    const chunks: OutputChunk[] = [];
    if (behaviour.stdout) chunks.push({ stream: 'stdout', data: Buffer.from(behaviour.stdout) });
    if (behaviour.stderr) chunks.push({ stream: 'stderr', data: Buffer.from(behaviour.stderr) });
    if (!behaviour.hang) setImmediate(() => container.stop(behaviour.exitCode ?? 0));
    const exited = container.exit.then(() => {
      this.running.delete(spec.name);
      this.events.push(`exit ${spec.name}`);
    });
    return (async function* () {
      yield* chunks;
      await exited;
    })();
  }

  async exec(handle: ContainerHandle, command: string[]): Promise<number> {
    const { spec } = this.mustGet(handle);
    if (!this.running.has(spec.name)) throw new Error(`${spec.name} is not running`);
    this.events.push(`exec ${spec.name}`);
    return this.execScript(spec, command);
  }

  wait(handle: ContainerHandle): Promise<number> {
    return this.mustGet(handle).exit;
  }

  async stop(handle: ContainerHandle, graceSeconds: number): Promise<void> {
    this.containers.get(handle.id)?.stop(graceSeconds === 0 ? 137 : 143);
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    const container = this.containers.get(handle.id);
    if (!container) return;
    container.stop(137);
    if (this.destroyDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.destroyDelayMs));
    this.containers.delete(handle.id);
    this.events.push(`destroy ${handle.name}`);
  }

  async removeLabelled(
    label: string,
    value: string,
    keep: ReadonlySet<string> = new Set(),
  ): Promise<{ containers: number; volumes: number }> {
    let containers = 0;
    for (const [id, container] of this.containers) {
      if (container.spec.labels[label] !== value) continue;
      await this.destroy({ id, name: container.spec.name });
      containers++;
    }
    let volumes = 0;
    for (const [name, volume] of this.volumes) {
      if (volume.labels[label] !== value || keep.has(name)) continue;
      this.volumes.delete(name);
      volumes++;
    }
    for (const [name, labels] of this.networks) if (labels[label] === value) this.networks.delete(name);
    return { containers, volumes };
  }

  private mustGet(handle: ContainerHandle): Running {
    const container = this.containers.get(handle.id);
    if (!container) throw new Error(`no container ${handle.name}`);
    return container;
  }
}
