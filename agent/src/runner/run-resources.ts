import { type Logger, silentLogger } from '@dockercise/shared';
import type { WorkspaceSource } from '../checkout/workspace-source.js';
import type {
  ContainerEngine,
  ContainerHandle,
  ContainerSpec,
  ImageInfo,
  OutputChunk,
  PullPolicy,
} from '../engine/engine.js';
import { ImageUnavailableError } from '../engine/engine.js';
import { isAuthRefusal, type RegistryAuth, registryOf } from '../images/registry-auth.js';
import { type Checkout, checkoutMounts } from './checkout.js';
import type { OutputFiles } from './output-files.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';

/**
 * What a run makes once and shares between its steps — images resolved, workspace volumes, its
 * network, the checkout's key files — and removes, all of it, when the run ends. A container that
 * has ended is removed once no other is starting (the engine does both with the same locks, disk
 * and CPUs, and a start is what the next step waits for), and every one before the run's clean-up
 * is done; a long run thus keeps no pile of stopped containers and their layers.
 */
export class RunResources {
  private readonly released = new Map<string, ContainerHandle>();
  private readonly removals = new Map<string, Promise<void>>();
  private starting = 0;
  private readonly images = new Map<string, Promise<ImageInfo>>();
  private readonly volumes = new Map<string, Promise<void>>();
  private network: Promise<string> | undefined;
  private readonly stepNetworks = new Map<string, Promise<string>>();
  private checkout: Promise<ContainerSpec['files']> | undefined;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly runId: string,
    readonly files: OutputFiles,
    private readonly pull: PullPolicy = 'if-not-present',
    private readonly log: Logger = silentLogger,
    private readonly workspace?: WorkspaceSource,
    /** Workspaces an earlier attempt kept at its gate: there already, neither made nor unpacked. */
    private readonly kept: ReadonlySet<string> = new Set(),
    private readonly registryAuth?: RegistryAuth,
  ) {}

  image(name: string): Promise<ImageInfo> {
    let image = this.images.get(name);
    if (!image) {
      image = this.pullImage(name);
      this.images.set(name, image);
    }
    return image;
  }

  /** The image, pulled with its registry's credentials when there are some; a refusal says how to give them. */
  private async pullImage(name: string): Promise<ImageInfo> {
    const registry = registryOf(name);
    const credentials = await this.registryAuth?.credentialsFor(registry);
    try {
      return await this.engine.ensureImage(name, this.pull, credentials);
    } catch (error) {
      if (!(error instanceof ImageUnavailableError) || !isAuthRefusal(error.message)) throw error;
      const how = this.registryAuth?.howToLogIn(registry) ?? 'give the runner credentials for it';
      throw new ImageUnavailableError(
        credentials
          ? `image ${name}: ${registry} refused the credentials dockercise has for it; ${how}`
          : `image ${name}: ${registry} wants credentials to pull it, and dockercise has none for ${registry}; ${how}`,
        { cause: error },
      );
    }
  }

  /**
   * The volume, made on first use, labelled with the run and the step that owns it. With `checkout`,
   * it starts with the run's source, unpacked through a container of that image (never started).
   */
  volume(name: string, owner: string, checkout?: { image: string }): Promise<void> {
    let volume = this.volumes.get(name);
    if (!volume && this.kept.has(name)) {
      volume = Promise.resolve();
      this.volumes.set(name, volume);
    }
    if (!volume) {
      const workspace = checkout ? this.workspace : undefined;
      volume = (async () => {
        await this.engine.createVolume(name, { [RUN_LABEL]: this.runId, [STEP_LABEL]: owner });
        if (workspace && checkout) await this.engine.importVolume(name, checkout.image, workspace.tar());
      })();
      this.volumes.set(name, volume);
    }
    return volume;
  }

  /** The run's own network, made when its first step needs it. */
  runNetwork(): Promise<string> {
    const name = `dockercise-${this.runId}`;
    this.network ??= this.engine.createNetwork(name, { [RUN_LABEL]: this.runId }).then(() => name);
    return this.network;
  }

  /** A step's own network, for it and its services, made once however often the step is tried. */
  stepNetwork(step: string): Promise<string> {
    let network = this.stepNetworks.get(step);
    if (!network) {
      const name = `dockercise-${this.runId}-${step}`;
      network = this.engine
        .createNetwork(name, { [RUN_LABEL]: this.runId, [STEP_LABEL]: step })
        .then(() => name);
      this.stepNetworks.set(step, network);
    }
    return network;
  }

  /** Makes a container, once any earlier one of the same name (an earlier attempt) is gone. */
  async container(spec: ContainerSpec): Promise<ContainerHandle> {
    const earlier = this.released.get(spec.name);
    if (earlier) await this.remove(earlier);
    await this.removals.get(spec.name);
    return this.engine.setup(spec);
  }

  /** Starts a container; once no start is in flight, the containers released meanwhile go. */
  async start(handle: ContainerHandle): Promise<AsyncIterable<OutputChunk>> {
    this.starting += 1;
    try {
      return await this.engine.start(handle);
    } finally {
      this.starting -= 1;
      if (this.starting === 0) for (const released of this.released.values()) void this.remove(released);
    }
  }

  /**
   * A container that is done with: removed after the next start (the next step is usually about to
   * start, and would wait behind the removal), at the run's end, or sooner if its name is needed.
   */
  release(handle: ContainerHandle): void {
    this.released.set(handle.name, handle);
  }

  private remove(handle: ContainerHandle): Promise<void> {
    if (this.released.get(handle.name) === handle) this.released.delete(handle.name);
    const removal: Promise<void> = this.engine
      .destroy(handle)
      .catch((error: unknown) =>
        this.log.warn({ err: error, container: handle.name }, 'could not remove a container'),
      )
      .finally(() => {
        if (this.removals.get(handle.name) === removal) this.removals.delete(handle.name);
      });
    this.removals.set(handle.name, removal);
    return removal;
  }

  checkoutFiles(checkout: Checkout): Promise<ContainerSpec['files']> {
    this.checkout ??= checkoutMounts(checkout, this.files);
    return this.checkout;
  }

  /** Removes every container, volume and network of the run but the volumes in `keep`, and its output files. */
  async cleanUp(log: Logger, keep: ReadonlySet<string> = new Set()): Promise<void> {
    await Promise.all([...this.released.values()].map((handle) => this.remove(handle)));
    await Promise.all(this.removals.values());
    try {
      await this.engine.removeLabelled(RUN_LABEL, this.runId, keep);
    } catch (error) {
      log.warn({ err: error }, 'could not remove the run’s containers and volumes');
    }
    await this.files
      .removeAll()
      .catch((error: unknown) => log.warn({ err: error }, 'could not remove output files'));
  }
}
