import { compilePipeline, type Plan, type RunResult } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { type FakeContainer, FakeEngine } from '../engine/fake-engine.js';
import type { LogSink } from '../logs/log-sink.js';
import type { ResultStore } from '../store/result-store.js';
import { planResume } from './resume.js';
import { runPlan } from './run-plan.js';

function compile(files: Record<string, string>): Plan {
  const result = compilePipeline(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
}

/** A result store in memory: what survives between two attempts at a run. */
class MemoryStore implements ResultStore {
  readonly location = 'memory';
  result: RunResult | undefined;
  readonly outputs = new Map<string, Uint8Array>();
  async saveResult(result: RunResult): Promise<void> {
    this.result = structuredClone(result);
  }
  async saveOutput(step: string, output: Uint8Array): Promise<void> {
    this.outputs.set(step, output);
  }
  async loadResult(): Promise<RunResult | undefined> {
    return this.result;
  }
  async loadOutput(step: string): Promise<Uint8Array | undefined> {
    return this.outputs.get(step);
  }
}

class MemoryLogs implements LogSink {
  readonly lines = new Map<string, string[]>();
  open(step: string) {
    return {
      write: async (lines: readonly { text: string }[]) => {
        this.lines.set(step, [...(this.lines.get(step) ?? []), ...lines.map((l) => l.text)]);
      },
      close: async () => {},
    };
  }
}

const stepOf = (c: FakeContainer): string => c.spec.env.DOCKERCISE_STEP ?? '';

const GATED = {
  'ci.dockercise.yaml': `
code:
  img: busybox
  run: echo src > src.txt
build:
  img: busybox
  vol: code
  run: cp src.txt app.bin
notes:
  img: busybox
  run: echo unrelated
`,
  'deploy.dockercise.yaml': `
after: human-click
deploy:
  img: busybox
  vol: build
  run: cat app.bin
`,
};

/** Plays the pipeline above: each step does to its volumes what its command would. */
function workspaceScript(engine: () => FakeEngine, plan: Plan, violations: string[]) {
  return (c: FakeContainer) => {
    const name = stepOf(c);
    const needs = plan.steps.find((s) => s.name === name)?.needs ?? [];
    for (const need of needs)
      if (engine().running.has(`dockercise-${c.spec.env.DOCKERCISE_RUN_ID}-${need}`))
        violations.push(`${name} started while ${need} ran`);
    const files = c.files('/workspace');
    switch (name) {
      case 'code':
        files.set('src.txt', 'src');
        return { stdout: 'cloned\n' };
      case 'build':
        if (!files.has('src.txt')) return { exitCode: 1, stderr: 'no src.txt\n' };
        files.set('app.bin', 'bin');
        return { stdout: 'built\n' };
      case 'deploy':
        return files.has('app.bin') ? { stdout: 'deployed\n' } : { exitCode: 1, stderr: 'no app.bin\n' };
      default:
        return { stdout: `${name}\n` };
    }
  };
}

describe('runPlan on the fake engine', () => {
  it('resumes after a gate with the workspace the gated step would have seen', async () => {
    const plan = compile(GATED);
    const violations: string[] = [];
    const engine: FakeEngine = new FakeEngine(workspaceScript(() => engine, plan, violations));
    const store = new MemoryStore();
    const base = { runId: 'r1', pipeline: 'p', plan, engine, store, logs: new MemoryLogs() };

    const first = await runPlan(base);
    expect(first.status).toBe('waiting-approval');
    expect(engine.volumes.size).toBe(0); // volumes end with the attempt

    const approved = new Set(['deploy.dockercise.yaml']);
    const resume = await planResume(plan, first, store, (g) => approved.has(g));
    engine.events.length = 0;
    const second = await runPlan({ ...base, approvedGates: approved, resume, attempt: 2 });

    expect(second.steps.find((s) => s.name === 'deploy')?.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    expect(violations).toEqual([]);
    const starts = engine.events.filter((e) => e.startsWith('start ')).map((e) => e.split('-').pop());
    expect(starts).toEqual(['code', 'build', 'deploy']); // notes is kept, the writers re-run first
  });

  it('skips the gated steps of a failed run and closes its gate', async () => {
    const plan = compile({
      'ci.dockercise.yaml': 'lint:\n  img: busybox\n  run: exit 1\n',
      'deploy.dockercise.yaml': 'after: human-click\ndeploy:\n  img: busybox\n  run: echo go\n',
    });
    const engine = new FakeEngine((c) => ({ exitCode: stepOf(c) === 'lint' ? 1 : 0 }));
    const result = await runPlan({
      runId: 'r2',
      pipeline: 'p',
      plan,
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
    });
    expect(result.status).toBe('failed');
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['lint', 'failed'],
      ['deploy', 'skipped'],
    ]);
    expect(result.steps[1]?.error).toBe('skipped: the run failed before its gate was approved');
    expect(result.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'skipped' }]);
  });

  it("masks a secret step's own stderr, in every form it prints it, held back until its value is known", async () => {
    const plan = compile({
      'ci.dockercise.yaml': 'token:\n  img: x\n  secret: true\n  run: make-token\n',
    });
    const secret = 's3cr3t-t0ken-value';
    const engine = new FakeEngine(() => ({
      stdout: `${secret}\n`,
      stderr: `minted ${secret}\nas base64 ${Buffer.from(secret).toString('base64')}\nas hex ${Buffer.from(secret).toString('hex')}\n`,
    }));
    const logs = new MemoryLogs();
    const result = await runPlan({
      runId: 'r3',
      pipeline: 'p',
      plan,
      engine,
      store: new MemoryStore(),
      logs,
    });
    expect(result.status).toBe('succeeded');
    expect(logs.lines.get('token')).toEqual(['minted ***', 'as base64 ***', 'as hex ***']);
  });
});
