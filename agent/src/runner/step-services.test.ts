import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../engine/fake-engine.js';
import { compile, MemoryLogs, MemoryStore } from './plan.fixture.js';
import { runPlan } from './run-plan.js';

const WITH_DB = (ready: string) => ({
  'ci.dockercise.yaml': `
test:
  img: busybox
  run: psql -h db
  services:
    db:
      img: postgres
      env: { POSTGRES_PASSWORD: pw }
      ready: ${ready}
      ready-timeout: 1s
`,
});

const isService = (name: string): boolean => name.includes('-svc-');

describe('services on the fake engine', () => {
  it('starts a service on the step network by its name, waits until ready, then runs the step, then removes it', async () => {
    const networks: Record<string, [string | undefined, string[] | undefined]> = {};
    const engine: FakeEngine = new FakeEngine((c) => {
      networks[c.spec.name] = [c.spec.network, c.spec.aliases];
      return isService(c.spec.name)
        ? { hang: true, stdout: 'database system is ready\n' }
        : { stdout: 'ok\n' };
    });
    let checks = 0;
    engine.execScript = () => (++checks < 2 ? 1 : 0);
    const logs = new MemoryLogs();
    const result = await runPlan({
      runId: 'r1',
      pipeline: 'p',
      plan: compile(WITH_DB('pg_isready')),
      engine,
      store: new MemoryStore(),
      logs,
    });

    expect(result.status).toBe('succeeded');
    const service = 'dockercise-r1-test-svc-db';
    const step = 'dockercise-r1-test';
    const order = engine.events.filter((e) => e.endsWith(service) || e.endsWith(step));
    expect(order).toEqual([
      `setup ${service}`,
      `start ${service}`,
      `exec ${service}`,
      `exec ${service}`,
      `setup ${step}`,
      `start ${step}`,
      `exit ${step}`,
      `destroy ${service}`,
      `exit ${service}`,
      // A step's own container goes after the next start, or (the last) with the rest of the run.
      `destroy ${step}`,
    ]);
    // The step and its service share the step's own network, where the service answers to its name.
    expect(networks).toEqual({
      [service]: ['dockercise-r1-test', ['db']],
      [step]: ['dockercise-r1-test', undefined],
    });
    expect(engine.networks.has('dockercise-r1-test')).toBe(false); // removed with the run
    expect(logs.lines.get('test.db')).toEqual(['database system is ready']);
    const [services] = result.steps.map((s) => s.services);
    expect(services).toEqual([
      { name: 'db', image: 'postgres', log: 'logs/test.db.log', readyAfterMs: expect.any(Number) },
    ]);
  });

  it('fails the step, without running it, when a service is not ready in time', async () => {
    const engine = new FakeEngine((c) => (isService(c.spec.name) ? { hang: true } : {}));
    engine.execScript = () => 1;
    const result = await runPlan({
      runId: 'r2',
      pipeline: 'p',
      plan: compile(WITH_DB('pg_isready')),
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
    });
    const [step] = result.steps;
    expect(step?.status).toBe('failed');
    expect(step?.error).toBe('service db was not ready within 1s (its ready check last exited 1)');
    expect(engine.events).not.toContain('start dockercise-r2-test');
    expect(engine.running.size).toBe(0);
  });

  it('fails the step when a service exits before it is ready', async () => {
    const engine = new FakeEngine((c) => (isService(c.spec.name) ? { exitCode: 3 } : {}));
    engine.execScript = () => 1;
    const result = await runPlan({
      runId: 'r3',
      pipeline: 'p',
      plan: compile(WITH_DB('pg_isready')),
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
    });
    expect(result.steps[0]?.error).toBe('service db exited with code 3 before it was ready');
    expect(result.steps[0]?.services?.[0]?.error).toBe('service db exited with code 3 before it was ready');
  });

  it('starts services afresh for every attempt of a retried step', async () => {
    let attempt = 0;
    const engine = new FakeEngine((c) =>
      isService(c.spec.name) ? { hang: true } : { exitCode: ++attempt === 1 ? 1 : 0 },
    );
    const plan = compile({
      'ci.dockercise.yaml':
        'test:\n  img: busybox\n  run: t\n  retry: 1\n  services:\n    web: { img: busybox, run: httpd }\n',
    });
    const result = await runPlan({
      runId: 'r4',
      pipeline: 'p',
      plan,
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
    });
    expect(result.status).toBe('succeeded');
    expect(engine.events.filter((e) => e === 'setup dockercise-r4-test-svc-web')).toHaveLength(2);
    expect(engine.running.size).toBe(0);
  });
});
