import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { RegistryCredentials } from '../images/registry-auth.js';
import { demuxDockerStream } from './demux.js';
import { buildImage, emptyImage, pushImage } from './docker-builds.js';
import { toDockerCreateOptions } from './docker-convert.js';
import {
  type ContainerEngine,
  type ContainerHandle,
  type ContainerSpec,
  EngineUnavailableError,
  type ImageBuild,
  type ImageInfo,
  ImageUnavailableError,
  type Labels,
  type OutputChunk,
  type PullPolicy,
} from './engine.js';

type Attached = NodeJS.ReadableStream & { destroy?: () => void };

/** The container engine on a Docker daemon, through dockerode. */
export class DockerEngine implements ContainerEngine {
  /** Output streams attached at setup, before the container starts, so no output is lost. */
  private readonly attached = new Map<string, Attached>();

  constructor(private readonly docker: Docker = new Docker()) {}

  /** The Docker client underneath, for the host's other uses of the same daemon (its disk). */
  get client(): Docker {
    return this.docker;
  }

  /** Fails with a clear message when the daemon cannot be reached. */
  async ping(): Promise<void> {
    await this.call('reach the Docker engine', () => this.docker.ping());
  }

  async ensureImage(image: string, pull: PullPolicy, credentials?: RegistryCredentials): Promise<ImageInfo> {
    if (pull === 'if-not-present') {
      const found = await this.inspectImage(image);
      if (found) return found;
    }
    try {
      const stream = await this.docker.pull(image, credentials ? { authconfig: credentials } : {});
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (error: Error | null) =>
          error ? reject(error) : resolve(),
        );
      });
    } catch (error) {
      if (isUnreachable(error)) throw unavailable(error);
      throw new ImageUnavailableError(
        `image ${image} is not present and could not be pulled: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    const pulled = await this.inspectImage(image);
    if (!pulled) throw new ImageUnavailableError(`image ${image} was pulled but cannot be found`);
    return pulled;
  }

  async createVolume(name: string, labels: Labels): Promise<void> {
    await this.call(`create volume ${name}`, () => this.docker.createVolume({ Name: name, Labels: labels }));
  }

  async createNetwork(name: string, labels: Labels): Promise<void> {
    await this.call(`create network ${name}`, () =>
      this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true }),
    );
  }

  emptyImage(): Promise<string> {
    return emptyImage(this.docker);
  }

  async buildImage(
    context: Readable,
    build: ImageBuild,
    onLine: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<string> {
    try {
      return await buildImage(this.docker, context, build, onLine, signal);
    } catch (error) {
      if (isUnreachable(error)) throw unavailable(error);
      throw error;
    }
  }

  async pushImage(image: string, name: string, credentials?: RegistryCredentials): Promise<string> {
    try {
      return await pushImage(this.docker, image, name, credentials);
    } catch (error) {
      if (isUnreachable(error)) throw unavailable(error);
      throw error;
    }
  }

  async ensureIsolatedNetwork(name: string, subnet: string, gateway: string): Promise<void> {
    const found = await this.call(
      `inspect network ${name}`,
      () => this.docker.getNetwork(name).inspect(),
      [404],
    );
    if (found) return;
    // 409: made at the same moment by another run.
    await this.call(
      `create network ${name}`,
      () =>
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { 'dockercise.network': 'credentials' },
          IPAM: { Config: [{ Subnet: subnet, Gateway: gateway }] },
          Options: { 'com.docker.network.bridge.enable_icc': 'false' },
        }),
      [409],
    );
  }

  async exportVolume<T>(volume: string, image: string, consume: (tar: Readable) => Promise<T>): Promise<T> {
    const container = await this.carrier(volume, image);
    try {
      const tar = (await this.call(`read volume ${volume}`, () =>
        container.getArchive({ path: '/data' }),
      )) as Readable;
      try {
        return await consume(tar);
      } finally {
        tar.destroy();
      }
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  async importVolume(volume: string, image: string, tar: Readable): Promise<void> {
    const container = await this.carrier(volume, image);
    try {
      await this.call(`write volume ${volume}`, () => container.putArchive(tar, { path: '/' }));
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  /** A container made, never started, with the volume at /data: what Docker's archive API reads. */
  private async carrier(volume: string, image: string): Promise<Docker.Container> {
    return this.call(`mount volume ${volume}`, () =>
      this.docker.createContainer({
        Image: image,
        Cmd: ['true'],
        Labels: { 'dockercise.carrier': volume },
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: volume, Target: '/data', ReadOnly: false }],
          NetworkMode: 'none',
        },
      }),
    );
  }

  async volumeExists(name: string): Promise<boolean> {
    const found = await this.call(
      `inspect volume ${name}`,
      () => this.docker.getVolume(name).inspect(),
      [404],
    );
    return found !== undefined;
  }

  async removeVolume(name: string): Promise<void> {
    await this.call(`remove volume ${name}`, () => this.docker.getVolume(name).remove(), [404]);
  }

  /** Creates the container and attaches to its output: all that is left to do is start it. */
  async setup(spec: ContainerSpec): Promise<ContainerHandle> {
    const container = await this.call(`create container ${spec.name}`, () =>
      this.docker.createContainer(toDockerCreateOptions(spec)),
    );
    const handle = { id: container.id, name: spec.name };
    try {
      for (const network of spec.alsoOn ?? [])
        await this.call(`connect ${spec.name} to ${network}`, () =>
          this.docker.getNetwork(network).connect({ Container: container.id }),
        );
      this.attached.set(handle.id, await this.attach(handle));
    } catch (error) {
      await this.destroy(handle).catch(() => {});
      throw error;
    }
    return handle;
  }

  async start(handle: ContainerHandle): Promise<AsyncIterable<OutputChunk>> {
    const raw = this.attached.get(handle.id) ?? (await this.attach(handle));
    this.attached.delete(handle.id);
    try {
      await this.call(`start ${handle.name}`, () => this.docker.getContainer(handle.id).start());
    } catch (error) {
      raw.destroy?.();
      throw error;
    }
    return demuxDockerStream(raw as AsyncIterable<Buffer>);
  }

  private async attach(handle: ContainerHandle): Promise<Attached> {
    return (await this.call(`attach to ${handle.name}`, () =>
      this.docker.getContainer(handle.id).attach({ stream: true, stdout: true, stderr: true }),
    )) as Attached;
  }

  async exec(handle: ContainerHandle, command: string[]): Promise<number> {
    const container = this.docker.getContainer(handle.id);
    const exec = await this.call(`exec in ${handle.name}`, () =>
      container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true }),
    );
    const stream = await this.call(`exec in ${handle.name}`, () =>
      exec.start({ hijack: true, stdin: false }),
    );
    // The output is not kept (a readiness check's chatter); reading it lets the command finish.
    for await (const _ of stream as AsyncIterable<Buffer>) {
    }
    const { ExitCode } = await this.call(`inspect exec in ${handle.name}`, () => exec.inspect());
    return ExitCode ?? -1;
  }

  /**
   * The exit code, once the engine has released the container's network and mounts. The `die`
   * event announces an exit ~30–150 ms sooner, but a step started then waits on that release inside
   * the engine: a 10-step chain took 4.2 s that way and 3.6 s waiting here (medians of 6).
   */
  async wait(handle: ContainerHandle): Promise<number> {
    const result = (await this.call(`wait for ${handle.name}`, () =>
      this.docker.getContainer(handle.id).wait(),
    )) as { StatusCode: number };
    return result.StatusCode;
  }

  async stop(handle: ContainerHandle, graceSeconds: number): Promise<void> {
    const container = this.docker.getContainer(handle.id);
    // 304: already stopped; 404: already gone; 409: not running. All mean there is nothing to stop.
    if (graceSeconds <= 0) await this.call(`kill ${handle.name}`, () => container.kill(), [304, 404, 409]);
    else await this.call(`stop ${handle.name}`, () => container.stop({ t: graceSeconds }), [304, 404, 409]);
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    this.attached.get(handle.id)?.destroy?.();
    this.attached.delete(handle.id);
    await this.call(
      `remove ${handle.name}`,
      () => this.docker.getContainer(handle.id).remove({ force: true }),
      [404, 409], // 409: removal already in progress
    );
  }

  async removeLabelled(
    label: string,
    value: string,
    keep: ReadonlySet<string> = new Set(),
  ): Promise<{ containers: number; volumes: number }> {
    const filters = { label: [`${label}=${value}`] };
    const containers = await this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters }),
    );
    await Promise.all(containers.map((c) => this.destroy({ id: c.Id, name: c.Names[0] ?? c.Id })));
    const listed = await this.call('list volumes', () => this.docker.listVolumes({ filters }));
    const Volumes = (listed.Volumes ?? []).filter((v) => !keep.has(v.Name));
    await Promise.all(Volumes.map((v) => this.removeVolume(v.Name)));
    const networks = await this.call('list networks', () => this.docker.listNetworks({ filters }));
    await Promise.all(
      networks.map((n) =>
        this.call(`remove network ${n.Name}`, () => this.docker.getNetwork(n.Id).remove(), [404]),
      ),
    );
    return { containers: containers.length, volumes: Volumes.length };
  }

  private async inspectImage(image: string): Promise<ImageInfo | undefined> {
    const info = await this.call(
      `inspect image ${image}`,
      () => this.docker.getImage(image).inspect(),
      [404],
    );
    if (!info) return undefined;
    const digest = info.RepoDigests?.[0];
    return digest ? { id: info.Id, digest } : { id: info.Id };
  }

  /** Runs a Docker API call; listed status codes mean "nothing to do" and give undefined. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  private async call<T>(what: string, fn: () => Promise<T>, tolerated: number[]): Promise<T | undefined>;
  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    tolerated: number[] = [],
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== undefined && tolerated.includes(status)) return undefined;
      if (isUnreachable(error)) throw unavailable(error);
      throw new Error(`could not ${what}: ${messageOf(error)}`, { cause: error });
    }
  }
}

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'EACCES' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  );
}

function unavailable(error: unknown): EngineUnavailableError {
  const code = (error as { code?: string }).code;
  const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
  const why =
    code === 'EACCES' ? 'permission denied (is this user in the docker group?)' : 'is dockerd running?';
  return new EngineUnavailableError(`cannot reach the Docker engine at ${where}: ${why}`, { cause: error });
}

function messageOf(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  if (json?.message) return json.message;
  return error instanceof Error ? error.message : String(error);
}
