import type { PlanStep } from '@dockercise/shared';
import type { SecretMasker } from '../logs/secret-masker.js';

/**
 * A step's AWS identity while it runs: the variables its containers get (the container
 * credentials interface every AWS SDK and the CLI read), and the network they join to reach it.
 */
export interface StepCredentialsLease {
  env: Record<string, string>;
  network: string;
  /** The step has ended: its token is refused from now on. Safe to repeat. */
  close(): Promise<void>;
}

/** What the step is, for the session that names it (its tags). */
export interface CredentialsRequest {
  step: string;
  roleArn: string;
  /** The gate it waited behind, approved. */
  gate?: string;
  /**
   * Called with each secret the step is served (its secret key, its session token) before the step
   * can read it, so that nothing it prints shows them.
   */
  mask(secret: string): void;
}

/**
 * Gives a step with `aws-role` its role's credentials: the agent, the CLI and the local server
 * each have one (credentials/). `open` assumes the role once before the step starts, so a refusal
 * fails the step before it runs, with `CredentialsRefusedError`'s sentence.
 */
export interface StepCredentials {
  open(request: CredentialsRequest): Promise<StepCredentialsLease>;
}

/** The step may not have the role, or AWS refused it: the step's error, a sentence naming the role. */
export class CredentialsRefusedError extends Error {
  override readonly name = 'CredentialsRefusedError';
}

/**
 * The step's lease, or the sentence that fails it before it starts: `aws-role` where this runner
 * gives no credentials, a fork's pull request, a role refused.
 */
export async function openStepCredentials(
  credentials: StepCredentials | undefined,
  step: PlanStep,
  masker: SecretMasker,
): Promise<StepCredentialsLease | { refused: string } | undefined> {
  if (!step.awsRole) return undefined;
  if (!credentials)
    return {
      refused: `step "${step.name}" has aws-role ${step.awsRole}, but this runner gives steps no AWS credentials`,
    };
  try {
    return await credentials.open({
      step: step.name,
      roleArn: step.awsRole,
      ...(step.gate ? { gate: step.gate } : {}),
      mask: (secret) => masker.add(secret),
    });
  } catch (error) {
    if (error instanceof CredentialsRefusedError) return { refused: error.message };
    throw error;
  }
}
