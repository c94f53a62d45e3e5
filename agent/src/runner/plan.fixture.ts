import type { PlanStep } from '@dockercise/shared';

/** A plan step for unit tests: a trivial busybox step, with the fields a test cares about. */
export function planStep(name: string, fields: Partial<PlanStep> = {}): PlanStep {
  return {
    name,
    img: 'busybox',
    run: ['true'],
    env: [],
    vol: [],
    needs: [],
    timeout: 60,
    secret: false,
    source: { file: 'f', line: 1, col: 1 },
    ...fields,
  };
}
