import type { Logger, Plan, PlanStep } from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import { trimOneNewline } from './container-spec.js';

/**
 * What steps printed, for the steps that read it through `{step}`: held for the run, and stored
 * unless it is a secret (or holds one). Outputs kept from an earlier attempt start it off.
 */
export class StepOutputs {
  private readonly outputs: Map<string, Buffer>;

  constructor(
    private readonly plan: Plan,
    private readonly masker: SecretMasker,
    private readonly store: ResultStore,
    private readonly log: Logger,
    kept: ReadonlyMap<string, Buffer> = new Map(),
  ) {
    this.outputs = new Map(kept);
  }

  /** Whether the step has finished and its output is known. */
  has(step: string): boolean {
    return this.outputs.has(step);
  }

  of(step: string): Buffer {
    return this.outputs.get(step) ?? Buffer.alloc(0);
  }

  /** The output as `{step}` in env and cache keys sees it: text, without its last newline. */
  text(step: string): string {
    return trimOneNewline(this.of(step).toString('utf8'));
  }

  isSecret(step: string): boolean {
    return this.plan.steps.find((s) => s.name === step)?.secret ?? false;
  }

  /** Keeps a finished step's output; true when it was also stored. A secret one teaches the masker. */
  async keep(step: PlanStep, output: Buffer): Promise<boolean> {
    this.outputs.set(step.name, output);
    if (step.secret) {
      if (this.masker.add(output.toString('utf8')).length > 0)
        this.log.warn(
          { step: step.name },
          'parts of a secret output are shorter than 3 characters and are not masked',
        );
      return false;
    }
    const text = output.toString('utf8');
    if (this.masker.active && this.masker.mask(text) !== text) {
      this.log.warn({ step: step.name }, 'output not stored: it contains a secret value');
      return false;
    }
    try {
      await this.store.saveOutput(step.name, output);
      return true;
    } catch (error) {
      this.log.warn({ err: error, step: step.name }, 'could not store the step output');
      return false;
    }
  }
}
