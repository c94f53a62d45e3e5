import type { Plan, PlanStep } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import {
  containerBase,
  phaseSpec,
  referencedSteps,
  type SpecContext,
  stepVolumes,
} from './container-spec.js';
import { planStep } from './plan.fixture.js';

const step = planStep;

const plan: Plan = {
  version: 1,
  steps: [
    step('code'),
    step('build', { vol: ['code'], needs: ['code'] }),
    step('ship', {
      vol: ['build', 'code'],
      run: ['deploy ', { ref: 'token' }],
      done: ['check ', { ref: 'build' }],
      env: [{ name: 'AUTH', value: ['Bearer ', { ref: 'token' }] }],
    }),
    step('token', { secret: true }),
  ],
  gates: [],
};
const ctx: SpecContext = {
  runId: 'r1',
  pipeline: 'app',
  plan,
  attempt: 2,
  network: 'dockercise-r1',
  limits: { memoryBytes: 1024, cpus: 1, pids: 10 },
  sourceEnv: { DOCKERCISE_EVENT: 'push', DOCKERCISE_COMMIT: 'abc' },
};
const ship = plan.steps[2] as PlanStep;

describe('container specs', () => {
  it("mounts the step's workspace (its vol chain's owner) at /workspace and each vol under /vol", () => {
    expect(stepVolumes(ctx, ship)).toEqual([
      { volume: 'dockercise-r1-code', target: '/workspace' },
      { volume: 'dockercise-r1-code', target: '/vol/build' },
      { volume: 'dockercise-r1-code', target: '/vol/code' },
    ]);
  });

  it('finds the outputs a step reads in run and done, once each, sorted', () => {
    expect(referencedSteps(ship)).toEqual(['build', 'token']);
  });

  it("gives env from outputs (one newline trimmed by the caller's reader), labels, network, limits", () => {
    const base = containerBase(ctx, ship, [], (ref) => (ref === 'token' ? 's3cr3t' : ''));
    expect(base.env).toEqual({
      CI: 'true',
      DOCKERCISE: 'true',
      DOCKERCISE_RUN_ID: 'r1',
      DOCKERCISE_PIPELINE: 'app',
      DOCKERCISE_STEP: 'ship',
      DOCKERCISE_ATTEMPT: '2',
      DOCKERCISE_STEP_ATTEMPT: '1',
      DOCKERCISE_EVENT: 'push',
      DOCKERCISE_COMMIT: 'abc',
      AUTH: 'Bearer s3cr3t',
    });
    expect(base.labels).toEqual({ 'dockercise.run': 'r1', 'dockercise.step': 'ship' });
    expect(base).toMatchObject({ network: 'dockercise-r1', workdir: '/workspace', limits: ctx.limits });
  });

  it('renders each phase with {step} as the path of its output file', () => {
    const base = containerBase(ctx, ship, [], () => '');
    expect(phaseSpec(base, ctx, ship, 'run')).toMatchObject({
      name: 'dockercise-r1-ship',
      command: ['/bin/sh', '-c', 'deploy /dockercise/outputs/token'],
    });
    expect(phaseSpec(base, ctx, ship, 'done')).toMatchObject({
      name: 'dockercise-r1-ship-done',
      command: ['/bin/sh', '-c', 'check /dockercise/outputs/build'],
    });
  });

  it('names what the run is of in every step, over a variable of the same name the step sets', () => {
    const own = { ...ship, env: [{ name: 'DOCKERCISE_COMMIT', value: ['mine'] }] };
    const base = containerBase(ctx, own, [], () => '');
    expect(base.env).toMatchObject({ DOCKERCISE_EVENT: 'push', DOCKERCISE_COMMIT: 'abc' });
  });
});
