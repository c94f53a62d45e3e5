import type { Plan, PlanStep, RunResult, StepResult } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import type { ResultStore } from '../backend/result-store.js';
import { planStep } from './plan.fixture.js';
import { planResume } from './resume.js';
import { RunGraph } from './run-graph.js';

const step = planStep;

const GATE = 'deploy.dockercise.yaml';

/** The README's opening shape: code → build (vol: code) → deploy (vol: build) behind a gate. */
const chain: Plan = {
  version: 1,
  steps: [
    step('code'),
    step('build', { vol: ['code'], needs: ['code'] }),
    step('test', { vol: ['code'], needs: ['code'] }),
    step('deploy', { vol: ['build'], needs: ['build'], gate: GATE }),
    step('docs'),
  ],
  gates: [{ name: GATE, source: { file: GATE, line: 1, col: 1 } }],
};

function storeWith(outputs: string[]): ResultStore {
  return {
    location: 'memory',
    saveResult: async () => {},
    saveOutput: async () => {},
    loadResult: async () => undefined,
    loadOutput: async (name) => (outputs.includes(name) ? Buffer.from(`${name}\n`) : undefined),
    saveArtifact: async (_step, _path, content) => void content.resume(),
  };
}

function previous(statuses: Record<string, StepResult['status']>): RunResult {
  return {
    version: 1,
    runId: 'r',
    pipeline: 'p',
    status: 'waiting-approval',
    startedAt: '2026-11-27T00:00:00.000Z',
    steps: Object.entries(statuses).map(([name, status]) => ({
      name,
      status,
      image: 'x',
      log: `logs/${name}.log`,
      output: `outputs/${name}`,
      secret: false,
    })),
    gates: [{ name: GATE, status: 'waiting' }],
  };
}

/** Drives a graph to the end, starting every ready step at once; returns the order of the waves. */
function waves(graph: RunGraph): string[][] {
  const order: string[][] = [];
  for (let ready = graph.ready(); ready.length > 0; ready = graph.ready()) {
    order.push(ready.map((s) => s.name));
    for (const s of ready) graph.start(s.name);
    for (const s of ready) graph.finish(s.name, 'succeeded');
  }
  return order;
}

describe('planResume after a gate', () => {
  const before = previous({
    code: 'succeeded',
    build: 'succeeded',
    test: 'succeeded',
    deploy: 'waiting-approval',
    docs: 'succeeded',
  });

  it('re-runs every kept step that wrote into a volume the gated step mounts, and only those', async () => {
    const resume = await planResume(chain, before, storeWith(['code', 'build', 'test', 'docs']), () => true);
    expect([...resume.carried.keys()]).toEqual(['docs']);
    expect([...resume.outputs.keys()]).toEqual(['docs']);
  });

  it('starts the gated step only after the re-runs that rebuild its workspace', async () => {
    const resume = await planResume(chain, before, storeWith(['code', 'build', 'test', 'docs']), () => true);
    const graph = new RunGraph(chain, () => true, resume.carried, resume.extraNeeds);
    // `test` wrote into code's volume too: deploy waits for it although it does not need its output.
    expect(waves(graph)).toEqual([['code'], ['build', 'test'], ['deploy']]);
  });

  it('keeps everything while the gate is still closed', async () => {
    const resume = await planResume(chain, before, storeWith(['code', 'build', 'test', 'docs']), () => false);
    expect([...resume.carried.keys()].sort()).toEqual(['build', 'code', 'docs', 'test']);
    expect(resume.extraNeeds.size).toBe(0);
  });

  it('never makes a re-run wait for a step it needs (no deadlock with a secret step)', async () => {
    const plan: Plan = {
      version: 1,
      steps: [
        step('code'),
        step('token', { secret: true, vol: ['code'], needs: ['code'] }),
        step('build', { vol: ['code'], needs: ['code', 'token'] }),
      ],
      gates: [],
    };
    const resume = await planResume(
      plan,
      previous({ code: 'succeeded', token: 'succeeded', build: 'succeeded' }),
      storeWith(['code', 'build']),
      () => true,
    );
    const graph = new RunGraph(plan, () => true, resume.carried, resume.extraNeeds);
    expect(waves(graph)).toEqual([['code'], ['token'], ['build']]);
  });
});

describe('planResume after a lost host', () => {
  const lost = (hostLost?: number): RunResult => {
    const result = previous({ build: 'succeeded', flaky: 'running' });
    return {
      ...result,
      status: 'running',
      steps: result.steps.map((s) => (s.name === 'flaky' && hostLost ? { ...s, hostLost } : s)),
    };
  };
  const plan = (retry?: PlanStep['retry']): Plan => ({
    version: 1,
    steps: [step('build'), step('flaky', { needs: ['build'], ...(retry ? { retry } : {}) })],
    gates: [],
  });

  it('runs a step its host was lost under once more, and no more', async () => {
    const first = await planResume(plan(), lost(), storeWith(['build']), () => true);
    expect([...first.hostLost]).toEqual([['flaky', 1]]);
    expect(first.givenUp.size).toBe(0);
    const second = await planResume(plan(), lost(1), storeWith(['build']), () => true);
    expect([...second.hostLost]).toEqual([['flaky', 2]]);
    expect([...second.givenUp]).toEqual(['flaky']);
  });

  it('lets retry: { on: [host-lost] } allow as many as its count', async () => {
    const retry = { count: 3, on: ['host-lost' as const] };
    expect((await planResume(plan(retry), lost(2), storeWith(['build']), () => true)).givenUp.size).toBe(0);
    expect([...(await planResume(plan(retry), lost(3), storeWith(['build']), () => true)).givenUp]).toEqual([
      'flaky',
    ]);
    // Exit codes alone do not make host losses count: still once.
    const codes = { count: 3, on: [1] };
    expect([...(await planResume(plan(codes), lost(1), storeWith(['build']), () => true)).givenUp]).toEqual([
      'flaky',
    ]);
  });

  it('does not count a step an agent handed back on a graceful shutdown', async () => {
    const handedBack = previous({ build: 'succeeded', flaky: 'pending' });
    expect((await planResume(plan(), handedBack, storeWith(['build']), () => true)).hostLost.size).toBe(0);
  });
});
