import type { Logger, PlanStep } from '@dockercise/shared';
import type { ContainerHandle, ContainerSpec } from '../engine/engine.js';
import type { RunResources } from './run-resources.js';

interface Prepared {
  handle: ContainerHandle;
  /** The spec as JSON: what the container was made from, to be compared with what is wanted. */
  made: string;
}

/**
 * Containers made ahead of time, for steps that are about to run: a step whose needs are still
 * running, or one that waits only for a free slot. Making and attaching a container takes the engine
 * ~50–110 ms; done while the step waits anyway, only `start` is left when it may begin.
 *
 * It is only ever a head start. When the step runs, its container's spec is computed again, and a
 * prepared container is used only if it was made from exactly that spec; anything else (an output
 * that changed an env value, a failed create) falls back to making it then. A prepared container
 * that is never used goes when the run is cleaned up, like every container of the run.
 */
export class PreparedSteps {
  private readonly prepared = new Map<string, Promise<Prepared | undefined>>();

  constructor(
    private readonly resources: RunResources,
    private readonly log: Logger,
    /** The step's container spec, when it can be known ahead (StepSpecs.ahead). */
    private readonly ahead: (step: PlanStep) => Promise<ContainerSpec> | undefined,
  ) {}

  /** Makes ahead the containers of `steps` that can be, in order, until `limit` are waiting. */
  prepare(steps: Iterable<PlanStep>, limit: number): void {
    for (const step of steps) {
      if (this.prepared.size >= limit) return;
      if (this.prepared.has(step.name)) continue;
      const spec = this.ahead(step);
      if (spec) this.make(step.name, spec);
    }
  }

  /** Starts making the step's container from `spec`; errors only mean there is no head start. */
  private make(step: string, spec: Promise<ContainerSpec>): void {
    const prepared = spec
      .then(async (s) => ({ handle: await this.resources.container(s), made: JSON.stringify(s) }))
      .catch((error: unknown) => {
        this.log.debug(
          { err: error, step },
          'could not prepare the step’s container; it is made when it starts',
        );
        return undefined;
      });
    this.prepared.set(step, prepared);
  }

  /** The step's container for `spec`: the prepared one if it was made from the same, else a new one. */
  async take(step: string, spec: ContainerSpec): Promise<ContainerHandle> {
    const pending = this.prepared.get(step);
    this.prepared.delete(step);
    const prepared = await pending;
    if (prepared?.made === JSON.stringify(spec)) return prepared.handle;
    if (prepared) this.resources.release(prepared.handle);
    return this.resources.container(spec);
  }

  /** Every prepared container not taken goes; resolves once none is still being made. */
  async discardAll(): Promise<void> {
    const entries = [...this.prepared.values()];
    this.prepared.clear();
    for (const prepared of await Promise.all(entries)) if (prepared) this.resources.release(prepared.handle);
  }
}
