import { type PlanStep, workspaceOwner } from '@dockercise/shared';
import type { ContainerSpec } from '../engine/engine.js';
import { checkoutEnv } from './checkout.js';
import {
  containerBase,
  imageOf,
  outputPath,
  phaseSpec,
  referencedSteps,
  type SpecContext,
  volumeName,
} from './container-spec.js';
import type { RunOptions } from './run-options.js';
import type { RunResources } from './run-resources.js';
import { sourceEnv } from './source-env.js';
import { stepLimits } from './step-limits.js';
import type { StepOutputs } from './step-outputs.js';

export type StepBase = ReturnType<typeof containerBase>;

/**
 * What a step's containers are made from, with what they need made first: the run's network, the
 * step's volumes, the files of the outputs it reads. The pure parts are in container-spec.ts.
 */
export class StepSpecs {
  constructor(
    private readonly options: RunOptions,
    private readonly resources: RunResources,
    private readonly outputs: StepOutputs,
  ) {}

  /**
   * The step's `run` container as it will be, when all it is made from is known before its needs
   * end: no services, caches or credentials (made per attempt), no env value from a step that has not finished.
   * Undefined otherwise. Output files are reserved, to be filled when their steps end.
   */
  ahead(step: PlanStep): Promise<ContainerSpec> | undefined {
    // A step's credentials are its own, opened when it starts: its container is made then too.
    if (step.services?.length || step.cache?.length || step.awsRole || step.build || step.imageFrom)
      return undefined;
    const envRefs = step.env.flatMap((v) =>
      v.value.flatMap((part) => (typeof part === 'string' ? [] : [part.ref])),
    );
    if (!envRefs.every((ref) => this.outputs.has(ref))) return undefined;
    return (async () => {
      await this.resources.image(step.img);
      const context = await this.context();
      const base = await this.base(step, context, 'reserve');
      return phaseSpec(base, context, step, 'run');
    })();
  }

  /** What both of a step's containers are made from, its volumes made. */
  async base(step: PlanStep, context: SpecContext, outputs: 'reserve' | 'fill'): Promise<StepBase> {
    const base = containerBase(context, step, await this.files(step, outputs), (ref) =>
      this.outputs.text(ref),
    );
    const { plan } = this.options;
    // A build step runs no image of its own: an empty one carries its workspace's files.
    const carrier = step.build
      ? await this.options.engine.emptyImage()
      : imageOf(step, (ref) => this.outputs.text(ref));
    // Each workspace the step mounts is its owner's: the owner's `checkout` says whether it starts
    // with the repository, and whichever step makes it first unpacks it.
    await Promise.all(
      [step.name, ...step.vol].map((name) => {
        const owner = workspaceOwner(plan, name);
        const checkout = plan.steps.find((s) => s.name === owner)?.checkout !== false;
        return this.resources.volume(
          volumeName(context, name),
          owner,
          checkout ? { image: carrier } : undefined,
        );
      }),
    );
    return base;
  }

  async context(): Promise<SpecContext> {
    const { runId, pipeline, plan, checkout } = this.options;
    return {
      runId,
      pipeline,
      plan,
      attempt: this.options.attempt ?? 1,
      ...(this.options.network === 'default' ? {} : { network: await this.resources.runNetwork() }),
      limits: stepLimits(this.options.limits),
      ...(checkout ? { checkoutEnv: checkoutEnv(checkout) } : {}),
      sourceEnv: sourceEnv(this.options),
    };
  }

  /**
   * The files a step's containers mount: the outputs it reads, then the checkout's key files. When
   * the step is made ahead, the outputs' files are only reserved: they are filled before it starts.
   */
  private async files(
    step: PlanStep,
    outputs: 'reserve' | 'fill',
  ): Promise<Array<{ source: string; target: string }>> {
    const { files: outputFiles } = this.resources;
    const files = await Promise.all(
      referencedSteps(step).map(async (ref) => ({
        source: await (outputs === 'reserve'
          ? outputFiles.reserve(ref, this.outputs.isSecret(ref))
          : outputFiles.pathFor(ref, this.outputs.of(ref), this.outputs.isSecret(ref))),
        target: outputPath(ref),
      })),
    );
    const { checkout, workspace } = this.options;
    if (checkout) files.push(...(await this.resources.checkoutFiles(checkout)));
    if (workspace?.mounts) files.push(...workspace.mounts);
    return files;
  }
}
