import type { Logger } from '@dockercise/shared';
import type { ContainerEngine, ContainerSpec, ImageInfo, PullPolicy } from '../engine/engine.js';
import { type Checkout, checkoutMounts } from './checkout.js';
import type { OutputFiles } from './output-files.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';

/**
 * What a run makes once and shares between its steps — images resolved, workspace volumes, its
 * network, the checkout's key files — and removes, all of it, when the run ends.
 */
export class RunResources {
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
  ) {}

  image(name: string): Promise<ImageInfo> {
    let image = this.images.get(name);
    if (!image) {
      image = this.engine.ensureImage(name, this.pull);
      this.images.set(name, image);
    }
    return image;
  }

  /** The volume, made on first use, labelled with the run and the step that owns it. */
  volume(name: string, owner: string): Promise<void> {
    let volume = this.volumes.get(name);
    if (!volume) {
      volume = this.engine.createVolume(name, { [RUN_LABEL]: this.runId, [STEP_LABEL]: owner });
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

  checkoutFiles(checkout: Checkout): Promise<ContainerSpec['files']> {
    this.checkout ??= checkoutMounts(checkout, this.files);
    return this.checkout;
  }

  /** Removes every container, volume and network of the run, and its output files. */
  async cleanUp(log: Logger): Promise<void> {
    try {
      await this.engine.removeLabelled(RUN_LABEL, this.runId);
    } catch (error) {
      log.warn({ err: error }, 'could not remove the run’s containers and volumes');
    }
    await this.files
      .removeAll()
      .catch((error: unknown) => log.warn({ err: error }, 'could not remove output files'));
  }
}
