import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FakeContainer, FakeEngine } from '../engine/fake-engine.js';
import { compile, MemoryLogs, MemoryStore } from './plan.fixture.js';
import { runPlan } from './run-plan.js';

const stepOf = (c: FakeContainer): string => c.spec.env.DOCKERCISE_STEP ?? '';
const run = (engine: FakeEngine, yaml: string, extra: Partial<Parameters<typeof runPlan>[0]> = {}) =>
  runPlan({
    runId: 'r1',
    pipeline: 'p',
    plan: compile({ 'ci.dockercise.yaml': yaml }),
    engine,
    store: new MemoryStore(),
    logs: new MemoryLogs(),
    ...extra,
  });
const events = (engine: FakeEngine) => engine.events.map((e) => e.replace('dockercise-r1-', ''));

/** Resolves once the engine has seen every one of `wanted`, or after a second (the test then fails). */
async function until(engine: FakeEngine, wanted: string[]): Promise<void> {
  for (let waited = 0; waited < 1000 && !wanted.every((w) => events(engine).includes(w)); waited += 5)
    await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('containers made ahead', () => {
  it('makes the next step’s container while the one it needs runs, and it reads the final output', async () => {
    const seen: string[] = [];
    const engine: FakeEngine = new FakeEngine(async (c) => {
      if (stepOf(c) === 'a') {
        await until(engine, ['setup b']);
        return { stdout: 'from a\n' };
      }
      // What `cat {a}` would print: the file mounted into b, read once b has started.
      const file = c.spec.files.find((f) => f.target.endsWith('/a'));
      seen.push(file ? readFileSync(file.source, 'utf8') : 'no file');
      return {};
    });
    const result = await run(
      engine,
      'a:\n  img: busybox\n  run: echo from a\nb:\n  img: busybox\n  run: cat {a}\n',
    );

    expect(result.status).toBe('succeeded');
    const order = events(engine);
    expect(order.indexOf('setup b')).toBeLessThan(order.indexOf('exit a'));
    expect(order.filter((e) => e === 'setup b')).toHaveLength(1); // the prepared one was used
    expect(seen).toEqual(['from a\n']);
  });

  it('does not make a container ahead whose env needs an output not known yet', async () => {
    const envs: string[] = [];
    const engine = new FakeEngine((c) => {
      if (stepOf(c) === 'a') return { stdout: 'v1\n' };
      envs.push(c.spec.env.VERSION ?? '');
      return {};
    });
    await run(
      engine,
      'a:\n  img: busybox\n  run: echo v1\nb:\n  img: busybox\n  env:\n    VERSION: "{a}"\n  run: "true"\n',
    );

    const order = events(engine);
    expect(order.indexOf('setup b')).toBeGreaterThan(order.indexOf('exit a'));
    expect(envs).toEqual(['v1']);
  });

  it('makes ahead the ready steps that wait for a slot, at most as many as run at once', async () => {
    const engine: FakeEngine = new FakeEngine(async (c) => {
      if (['p0', 'p1'].includes(stepOf(c))) await until(engine, ['setup p2', 'setup p3']);
      return {};
    });
    const yaml = ['p0', 'p1', 'p2', 'p3', 'p4'].map((n) => `${n}:\n  img: busybox\n  run: "true"\n`).join('');
    const result = await run(engine, yaml, { concurrency: 2 });

    expect(result.status).toBe('succeeded');
    const order = events(engine);
    const firstExit = order.findIndex((e) => e.startsWith('exit '));
    // p2 and p3 are made while p0 and p1 run; p4 only once one of them has started.
    expect(
      order
        .slice(0, firstExit)
        .filter((e) => e.startsWith('setup '))
        .sort(),
    ).toEqual(['setup p0', 'setup p1', 'setup p2', 'setup p3']);
    expect(order.indexOf('setup p4')).toBeGreaterThan(
      Math.min(order.indexOf('start p2'), order.indexOf('start p3')),
    );
  });

  it('removes containers off the critical path, yet a retry waits for its earlier attempt’s to go', async () => {
    let attempts = 0;
    const engine = new FakeEngine(() => ({ exitCode: ++attempts < 3 ? 1 : 0 }));
    engine.destroyDelayMs = 50;
    const result = await run(engine, 'flaky:\n  img: busybox\n  run: "true"\n  retry: 2\n');

    expect(result.status).toBe('succeeded');
    expect(attempts).toBe(3);
    // Nothing is left once the run is over, however slowly the engine removes.
    expect(engine.containerNames).toEqual([]);
  });

  it('removes an ended container after the next start, not during it, so a long run keeps no pile', async () => {
    const present: Record<string, string[]> = {};
    const engine: FakeEngine = new FakeEngine((c) => {
      present[stepOf(c)] = engine.containerNames.map((n) => n.replace('dockercise-r1-', ''));
      return {};
    });
    const chain = ['a', 'b', 'c', 'd'].map(
      (s, i, all) => `${s}:\n  img: busybox\n  run: x\n${i ? `  after: ${all[i - 1]}\n` : ''}`,
    );
    const result = await run(engine, chain.join(''));

    expect(result.status).toBe('succeeded');
    // While b starts, a is still there; once b has started, a goes; c starts with a gone.
    expect(present.b).toEqual(expect.arrayContaining(['a', 'b']));
    expect(present.c).not.toContain('a');
    expect(present.d).not.toContain('b');
    expect(engine.containerNames).toEqual([]);
  });

  it('has removed everything by the time the end is recorded, since a next attempt may begin then', async () => {
    const engine = new FakeEngine();
    const leftAtEnd: string[][] = [];
    const result = await run(
      engine,
      'a:\n  img: busybox\n  run: x\nb:\n  img: busybox\n  run: y\n  after: a\n',
      {
        onChange: (r) => {
          if (r.endedAt)
            leftAtEnd.push([...engine.containerNames, ...engine.volumes.keys(), ...engine.networks.keys()]);
        },
      },
    );
    expect(result.status).toBe('succeeded');
    expect(leftAtEnd).toEqual([[]]);
  });

  it('leaves no container behind when a run is cancelled with containers made ahead', async () => {
    const cancel = new AbortController();
    const engine = new FakeEngine((c) => {
      if (stepOf(c) === 'a') setTimeout(() => cancel.abort(), 10);
      return stepOf(c) === 'a' ? { hang: true } : {};
    });
    const yaml =
      'a:\n  img: busybox\n  run: sleep 100\nb:\n  img: busybox\n  run: cat {a}\nc:\n  img: busybox\n  run: "true"\n  after: a\n';
    const result = await run(engine, yaml, { cancel: cancel.signal, stopGraceSeconds: 0 });

    expect(result.status).toBe('cancelled');
    expect(events(engine)).toEqual(expect.arrayContaining(['setup b', 'setup c']));
    expect(events(engine)).not.toContain('start b');
    expect(engine.containerNames).toEqual([]);
    expect(engine.volumes.size).toBe(0);
    expect(engine.networks.size).toBe(0);
  });
});
