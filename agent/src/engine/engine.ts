import type { Readable } from 'node:stream';
import type { RegistryCredentials } from '../images/registry-auth.js';

/**
 * The one interface the runner uses to run containers. Its rules, which FakeEngine and
 * DockerEngine both keep (agent/test/engine-contract.ts runs one suite on each):
 *
 *  1. A container goes setup → start → wait → destroy. `start` attaches before it starts, so no
 *     output is lost; the stream ends when the container exits, and `wait` then gives the code.
 *  2. A container's name is taken from `setup` until `destroy`: a second `setup` of it fails.
 *  3. `stop`, `destroy`, `removeVolume` and `removeLabelled` are safe to repeat, and on what is gone.
 *  4. `stop(h, 0)` kills (exit 137); `stop(h, n)` sends SIGTERM, then kills after n seconds.
 *  5. `exec` runs only in a running container.
 *  6. Volumes outlive containers until removed; `exportVolume` gives a tar of entries under
 *     `data/`, which `importVolume` takes back.
 *  7. Concurrency: calls on different containers and volumes may overlap freely; the calls on one
 *     container come from one caller in order (its step's runner). Names are unique per run.
 *  8. An engine that cannot be reached throws EngineUnavailableError; a missing image that
 *     cannot be pulled, ImageUnavailableError. Anything else is the step's failure.
 */
export interface ContainerEngine {
  /** Answers while the engine is reachable; rejects with EngineUnavailableError when it is not. */
  ping(): Promise<void>;
  /** Makes the image available (pulling when missing, or always) and says what it resolved to. */
  ensureImage(image: string, pull: PullPolicy, credentials?: RegistryCredentials): Promise<ImageInfo>;
  createVolume(name: string, labels: Labels): Promise<void>;
  /** Whether a volume of this name exists (a cache kept from an earlier run). */
  volumeExists(name: string): Promise<boolean>;
  /**
   * Hands `consume` a volume's files as a tar stream, entries under `data/` (a cache on its way to
   * the bucket), and resolves with what it returns once all is cleaned up. `image` is any image
   * present: it backs a container that is made, never started, and removed.
   */
  exportVolume<T>(volume: string, image: string, consume: (tar: Readable) => Promise<T>): Promise<T>;
  /** Unpacks a tar stream of entries under `data/` (as exportVolume makes) into the volume. */
  importVolume(volume: string, image: string, tar: Readable): Promise<void>;
  /** A local image with nothing in it: what carries a build step's workspace volumes. */
  emptyImage(): Promise<string>;
  /**
   * Builds an image from a context archive (its entries at the root) with the engine's own
   * builder, so no step needs the socket; each line the builder prints goes to `onLine`. The id.
   */
  buildImage(
    context: Readable,
    build: ImageBuild,
    onLine: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<string>;
  /** Tags the image as `name` and pushes it there; the digest the registry gave it. */
  pushImage(image: string, name: string, credentials?: RegistryCredentials): Promise<string>;
  /** A bridge network of the run's own: its steps reach each other, not other runs' containers. */
  createNetwork(name: string, labels: Labels): Promise<void>;
  /**
   * A bridge network at a fixed subnet whose gateway (this host) is `gateway`, its containers
   * unable to reach each other: the credentials network. Made when missing; kept for the next run.
   */
  ensureIsolatedNetwork(name: string, subnet: string, gateway: string): Promise<void>;
  /** Safe to repeat; a volume that is gone is not an error. */
  removeVolume(name: string): Promise<void>;
  setup(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Attaches to the container's output, then starts it; the stream ends when the container exits. */
  start(handle: ContainerHandle): Promise<AsyncIterable<OutputChunk>>;
  /** Runs a command inside a running container (a service's readiness check); its exit code. */
  exec(handle: ContainerHandle, command: string[]): Promise<number>;
  /** Resolves with the exit code once the container has stopped. */
  wait(handle: ContainerHandle): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceSeconds` (0 kills at once). Safe to repeat. */
  stop(handle: ContainerHandle, graceSeconds: number): Promise<void>;
  /** Removes the container. Safe to repeat. */
  destroy(handle: ContainerHandle): Promise<void>;
  /**
   * Removes every container, volume and network carrying `label=value`: what a run (or a dead
   * attempt) left; the volumes named in `keep` stay (workspaces kept while a run waits at a gate).
   */
  removeLabelled(
    label: string,
    value: string,
    keep?: ReadonlySet<string>,
  ): Promise<{ containers: number; volumes: number }>;
}

/** What a build step asks of the engine's builder. */
export interface ImageBuild {
  /** The Dockerfile, a path inside the context. */
  dockerfile: string;
  target?: string;
  args: Record<string, string>;
  labels: Labels;
}

export type PullPolicy = 'if-not-present' | 'always';
export type Labels = Record<string, string>;

export interface ImageInfo {
  id: string;
  /** `name@sha256:…` when the image came from a registry; absent for images built or imported locally. */
  digest?: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Empty: the image's own command (a service without `run`). */
  command: string[];
  env: Record<string, string>;
  /** Empty: the image's own working directory. */
  workdir: string;
  labels: Labels;
  /** Named volumes, read-write. */
  volumes: Array<{ volume: string; target: string }>;
  /** Host files mounted read-only (step outputs read through `{step}`). */
  files: Array<{ source: string; target: string }>;
  /** The run's network (createNetwork); the engine's default bridge when absent. */
  network?: string;
  /** Names the container answers to on `network` (a service's name). */
  aliases?: string[];
  /** Networks it joins too before it starts (the credentials network of a step with `aws-role`). */
  alsoOn?: string[];
  limits: ResourceLimits;
}

export interface ResourceLimits {
  memoryBytes?: number;
  /** Whole or fractional CPUs. */
  cpus?: number;
  /** Processes at once: a fork bomb in a step stops there, not at the host's limit. */
  pids?: number;
}

export interface ContainerHandle {
  id: string;
  name: string;
}

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** The engine could not be reached at all: not the step's fault, and worth retrying later. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

/** The image is not present and could not be pulled. */
export class ImageUnavailableError extends Error {
  override readonly name = 'ImageUnavailableError';
}
