import { type Plan, silentLogger } from '@dockercise/shared';
import * as tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { type FakeContainer, FakeEngine } from '../engine/fake-engine.js';
import { scopeOf } from './cache-scope.js';
import { keptWorkspaces } from './gate-workspaces.js';
import { compile, MemoryLogs, MemoryStore } from './plan.fixture.js';
import { planResume } from './resume.js';
import { runPlan } from './run-plan.js';
import { cacheVolumeName } from './step-caches.js';

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

/** The pipeline above, run on the fake engine to its gate. */
async function atTheGate() {
  const plan = compile(GATED);
  const violations: string[] = [];
  const engine: FakeEngine = new FakeEngine(workspaceScript(() => engine, plan, violations));
  const store = new MemoryStore();
  const base = { runId: 'r1', pipeline: 'p', plan, engine, store, logs: new MemoryLogs() };
  return { plan, violations, engine, store, base, first: await runPlan(base) };
}

describe('runPlan on the fake engine', () => {
  it('keeps the workspace a gate waits on, and runs only the gated step once approved', async () => {
    const { plan, violations, engine, store, base, first } = await atTheGate();
    expect(first.status).toBe('waiting-approval');
    // What deploy mounts (code's workspace, which build wrote into) stays; nothing else does.
    expect([...engine.volumes.keys()]).toEqual(['dockercise-r1-code']);

    const approved = new Set(['deploy.dockercise.yaml']);
    // Approved a day later: the run began then, but this attempt takes only its own time.
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const earlier = { ...first, startedAt: dayAgo };
    const kept = await keptWorkspaces(engine, plan, earlier, {
      runId: 'r1',
      pipeline: 'p',
      log: silentLogger,
    });
    const resume = await planResume(plan, earlier, store, (g) => approved.has(g), kept);
    engine.events.length = 0;
    const second = await runPlan({ ...base, approvedGates: approved, resume, attempt: 2 });
    expect(second.startedAt).toBe(dayAgo);
    expect(second.durationMs).toBeLessThan(60_000);

    expect(second.status).toBe('succeeded');
    expect(violations).toEqual([]);
    const starts = engine.events.filter((e) => e.startsWith('start ')).map((e) => e.split('-').pop());
    expect(starts).toEqual(['deploy']); // it ships what was built and tested, not a rebuild
    expect(engine.events.filter((e) => e.startsWith('import '))).toEqual([]);
    expect(engine.volumes.size).toBe(0); // the run is over: its workspaces go
  });

  it('rebuilds the workspace a gate waits on when it is gone (another host), before the gated step', async () => {
    const { plan, violations, engine, store, base, first } = await atTheGate();
    await engine.removeVolume('dockercise-r1-code');

    const approved = new Set(['deploy.dockercise.yaml']);
    const kept = await keptWorkspaces(engine, plan, first, { runId: 'r1', pipeline: 'p', log: silentLogger });
    expect(kept.size).toBe(0);
    const resume = await planResume(plan, first, store, (g) => approved.has(g), kept);
    engine.events.length = 0;
    const second = await runPlan({ ...base, approvedGates: approved, resume, attempt: 2 });
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

  describe('scheduling', () => {
    const chain = compile({
      'ci.dockercise.yaml':
        'a:\n  img: x\n  run: a\nb:\n  img: x\n  run: cat {a}\nc:\n  img: x\n  run: c\nd:\n  img: x\n  run: d\ne:\n  img: x\n  run: e\n',
    });
    const base = (engine: FakeEngine) => ({
      runId: 'sched',
      pipeline: 'p',
      plan: chain,
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
    });

    it('starts a step only after what it needs, and no more at once than the concurrency', async () => {
      let peak = 0;
      const engine: FakeEngine = new FakeEngine(async () => {
        peak = Math.max(peak, engine.running.size);
        await new Promise((r) => setTimeout(r, 5));
        return {};
      });
      const result = await runPlan({ ...base(engine), concurrency: 2 });
      expect(result.status).toBe('succeeded');
      expect(peak).toBe(2);
      const order = engine.events.filter((e) => e.startsWith('start ') || e.startsWith('exit '));
      expect(order.indexOf('exit dockercise-sched-a')).toBeLessThan(
        order.indexOf('start dockercise-sched-b'),
      );
    });

    it("gives a step its need's output as a file and skips what needs a failed step", async () => {
      const engine = new FakeEngine((c) =>
        stepOf(c) === 'c' ? { exitCode: 2 } : { stdout: `${stepOf(c)}\n` },
      );
      const result = await runPlan(base(engine));
      expect(result.status).toBe('failed');
      expect(result.steps.map((s) => s.status)).toEqual([
        'succeeded',
        'succeeded',
        'failed',
        'succeeded',
        'succeeded',
      ]);
      expect(result.steps[2]).toMatchObject({ exitCode: 2, error: 'run exited with code 2' });
      const failedNeed = compile({
        'ci.dockercise.yaml': 'a:\n  img: x\n  run: a\nb:\n  img: x\n  run: cat {a}\n',
      });
      const skipped = await runPlan({
        ...base(new FakeEngine(() => ({ exitCode: 1 }))),
        plan: failedNeed,
      });
      expect(skipped.steps[1]).toMatchObject({ status: 'skipped', error: 'skipped: a failed' });
    });

    it('kills a step at its timeout and records timed-out', async () => {
      const plan = compile({ 'ci.dockercise.yaml': 'slow:\n  img: x\n  timeout: 1s\n  run: sleep 60\n' });
      const result = await runPlan({ ...base(new FakeEngine(() => ({ hang: true }))), plan });
      expect(result.steps[0]).toMatchObject({ status: 'timed-out', error: 'timed out after 1s' });
      expect(result.status).toBe('failed');
    });

    it('cancels: the running step is stopped, what has not started is cancelled, nothing is left', async () => {
      const cancel = new AbortController();
      const engine: FakeEngine = new FakeEngine((c) => {
        if (stepOf(c) === 'a') setTimeout(() => cancel.abort(), 5);
        return { hang: true };
      });
      const result = await runPlan({ ...base(engine), cancel: cancel.signal, concurrency: 1 });
      expect(result.status).toBe('cancelled');
      expect(result.steps.map((s) => s.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expect(engine.running.size).toBe(0);
      expect(engine.volumes.size + engine.networks.size).toBe(0);
    });

    it('fails a step whose stdout passes the output limit', async () => {
      const engine = new FakeEngine(() => ({ stdout: 'x'.repeat(100) }));
      const result = await runPlan({ ...base(engine), outputLimitBytes: 10 });
      expect(result.steps[0]).toMatchObject({
        status: 'failed',
        error:
          'stdout passed the 10 bytes output limit; write large data to /workspace and share it with vol',
      });
    });
  });

  describe('filters, soft failures and retries', () => {
    const run = (
      files: Record<string, string>,
      engine: FakeEngine,
      extra: Partial<Parameters<typeof runPlan>[0]> = {},
    ) =>
      runPlan({
        runId: 'v2',
        pipeline: 'p',
        plan: compile(files),
        engine,
        store: new MemoryStore(),
        logs: new MemoryLogs(),
        ...extra,
      });

    it('skips, as filtered, a step whose filters do not match and what needs it; runs the rest', async () => {
      const engine = new FakeEngine(() => ({ stdout: 'x\n' }));
      const result = await run(
        {
          'ci.dockercise.yaml':
            'test:\n  img: x\n  run: t\ndocs:\n  img: x\n  run: d\n  when: { paths: ["docs/**"] }\npublish:\n  img: x\n  run: cat {docs}\n',
          'release.dockercise.yaml':
            'when: { branch: ["release/*"], event: [push] }\nship:\n  img: x\n  run: s\n',
        },
        engine,
        { context: { branch: 'main', event: 'push', changed: ['src/a.ts'] } },
      );
      expect(result.status).toBe('succeeded');
      expect(result.steps.map((s) => [s.name, s.status, s.skipReason])).toEqual([
        ['test', 'succeeded', undefined],
        ['docs', 'skipped', 'filtered'],
        ['publish', 'skipped', 'filtered'],
        ['ship', 'skipped', 'filtered'],
      ]);
      // Each says which filter kept it out.
      expect(result.steps.map((s) => s.error)).toEqual([
        undefined,
        'skipped: when.paths: none of the 1 changed files matches docs/**',
        'skipped: it needs docs, which its filters keep out of this run',
        'skipped: when.branch: main matches none of release/*',
      ]);
      const released = await run(
        {
          'release.dockercise.yaml':
            'when: { branch: ["release/*"], event: [push] }\nship:\n  img: x\n  run: s\n',
        },
        engine,
        { context: { branch: 'release/1.2', event: 'push' } },
      );
      expect(released.steps[0]?.status).toBe('succeeded');
    });

    it('makes a run where everything is filtered a success with nothing run', async () => {
      const engine = new FakeEngine();
      const result = await run(
        { 'a.dockercise.yaml': 'a:\n  img: x\n  run: a\n  when: { event: [pull_request] }\n' },
        engine,
      );
      expect(result.status).toBe('succeeded');
      expect(engine.events).toEqual([]);
    });

    it('lets a step fail without failing the run, and runs what needs it with what it printed', async () => {
      const seen: Array<string | undefined> = [];
      const engine = new FakeEngine((c) => {
        if (stepOf(c) === 'lint') return { exitCode: 1, stdout: 'lint: 3 issues\n' };
        seen.push(c.spec.env.ISSUES);
        return {};
      });
      const store = new MemoryStore();
      const result = await run(
        {
          'a.dockercise.yaml':
            'lint:\n  img: x\n  allow-failure: true\n  run: l\nafter-lint:\n  img: x\n  env: { ISSUES: "{lint}" }\n  run: a\n',
        },
        engine,
        { store },
      );
      expect(result.status).toBe('succeeded');
      expect(result.steps.map((s) => [s.name, s.status, s.allowedFailure])).toEqual([
        ['lint', 'failed', true],
        ['after-lint', 'succeeded', undefined],
      ]);
      expect(seen).toEqual(['lint: 3 issues']);
      expect(Buffer.from(store.outputs.get('lint') ?? []).toString()).toBe('lint: 3 issues\n');
      expect(result.steps[0]?.output).toBe('outputs/lint');
    });

    it('retries a failing step, keeping every attempt, and never retries a cancel', async () => {
      let tries = 0;
      const seen: string[] = [];
      const engine = new FakeEngine((c) => {
        seen.push(`${c.spec.env.DOCKERCISE_STEP_ATTEMPT} of run attempt ${c.spec.env.DOCKERCISE_ATTEMPT}`);
        return { exitCode: ++tries < 3 ? 1 : 0, stdout: `try ${tries}\n` };
      });
      const logs = new MemoryLogs();
      const result = await run({ 'a.dockercise.yaml': 'flaky:\n  img: x\n  retry: 2\n  run: f\n' }, engine, {
        logs,
      });
      expect(result.steps[0]).toMatchObject({ status: 'succeeded' });
      expect(result.steps[0]?.attempts?.map((a) => [a.attempt, a.status, a.exitCode])).toEqual([
        [1, 'failed', 1],
        [2, 'failed', 1],
        [3, 'succeeded', 0],
      ]);
      expect(logs.lines.get('flaky')).toEqual([
        'try 1',
        '[dockercise: attempt 2 of 3]',
        'try 2',
        '[dockercise: attempt 3 of 3]',
        'try 3',
      ]);
      // Each try knows its number; the run's attempt stays the run's.
      expect(seen).toEqual(['1 of run attempt 1', '2 of run attempt 1', '3 of run attempt 1']);

      // Only the exit codes it names.
      tries = 0;
      const only = await run(
        { 'a.dockercise.yaml': 'flaky:\n  img: x\n  retry: { count: 2, on: [75] }\n  run: f\n' },
        engine,
      );
      expect(only.steps[0]?.attempts).toHaveLength(1);

      const cancel = new AbortController();
      const hanging = new FakeEngine(() => {
        setTimeout(() => cancel.abort(), 5);
        return { hang: true };
      });
      const cancelled = await run(
        { 'a.dockercise.yaml': 'flaky:\n  img: x\n  retry: 3\n  run: f\n' },
        hanging,
        {
          cancel: cancel.signal,
        },
      );
      expect(cancelled.steps[0]?.attempts?.map((a) => a.status)).toEqual(['cancelled']);
    });
  });

  it('keeps a cache across runs under its key, and none from a step that failed', async () => {
    const files = {
      'a.dockercise.yaml':
        'lock:\n  img: x\n  run: hash\ninstall:\n  img: x\n  cache: [{ path: /root/.npm, key: "npm-{lock}" }]\n  run: npm ci\n',
    };
    let fail = false;
    const engine = new FakeEngine((c) => {
      if (stepOf(c) === 'lock') return { stdout: 'abc\n' };
      const cache = c.files('/root/.npm');
      const warm = cache.has('pkg');
      cache.set('pkg', 'tarball');
      return fail ? { exitCode: 1 } : { stdout: warm ? 'warm\n' : 'cold\n' };
    });
    const once = (runId: string) =>
      runPlan({
        runId,
        pipeline: 'p',
        plan: compile(files),
        engine,
        store: new MemoryStore(),
        logs: new MemoryLogs(),
      });
    const first = await once('c1');
    expect(first.steps[1]?.caches).toEqual([{ path: '/root/.npm', key: 'npm-abc', hit: false }]);
    const second = await once('c2');
    expect(second.steps[1]?.caches).toEqual([{ path: '/root/.npm', key: 'npm-abc', hit: true }]);
    // The run's own volumes are gone; the cache's stays.
    expect([...engine.volumes.keys()]).toEqual([
      cacheVolumeName({ pipeline: 'p', scope: scopeOf('p', undefined) }, 'npm-abc'),
    ]);

    engine.volumes.clear();
    fail = true;
    await once('c3');
    expect(engine.volumes.size).toBe(0);
  });

  it('unpacks the checkout once into each workspace that wants one, none into checkout: false', async () => {
    const plan = compile({
      'ci.dockercise.yaml': [
        'build:\n  img: busybox\n  run: make',
        'test:\n  img: busybox\n  vol: build\n  run: make test',
        'lint:\n  img: busybox\n  checkout: false\n  run: lint',
        '',
      ].join('\n'),
    });
    const seen = new Map<string, string | undefined>();
    const engine = new FakeEngine((c) => {
      seen.set(stepOf(c), c.files('/workspace').get('README'));
      return {};
    });
    const packed: string[] = [];
    const workspace = {
      tar: () => {
        packed.push('tar');
        const pack = tar.pack();
        pack.entry({ name: 'data/README' }, 'hello');
        pack.finalize();
        return pack;
      },
    };
    const result = await runPlan({
      runId: 'r1',
      pipeline: 'p',
      plan,
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
      workspace,
    });
    expect(result.status).toBe('succeeded');
    expect(Object.fromEntries(seen)).toEqual({ build: 'hello', test: 'hello', lint: undefined });
    expect(engine.events.filter((e) => e.startsWith('import '))).toEqual(['import dockercise-r1-build']);
    expect(packed).toEqual(['tar']);
  });

  it('holds a step gated on its own, runs the rest of its file, and runs it once approved by its name', async () => {
    const plan = compile({
      'ci.dockercise.yaml':
        'build:\n  img: busybox\n  run: make\ndeploy:\n  img: busybox\n  after: [build, human-click]\n  run: ship\nlint:\n  img: busybox\n  run: lint\n',
    });
    const engine = new FakeEngine(() => ({}));
    const store = new MemoryStore();
    const base = { runId: 'r1', pipeline: 'p', plan, engine, store, logs: new MemoryLogs() };
    const waiting = await runPlan(base);
    expect(waiting.status).toBe('waiting-approval');
    expect(waiting.gates).toEqual([{ name: 'deploy', status: 'waiting' }]);
    expect(waiting.steps.map((s) => [s.name, s.status])).toEqual([
      ['build', 'succeeded'],
      ['deploy', 'waiting-approval'],
      ['lint', 'succeeded'],
    ]);
    const approved = new Set(['deploy']);
    const resume = await planResume(plan, waiting, store, (gate) => approved.has(gate));
    const done = await runPlan({ ...base, approvedGates: approved, resume, attempt: 2 });
    expect(done.status).toBe('succeeded');
    expect(done.gates).toEqual([{ name: 'deploy', status: 'approved' }]);
  });

  it('cuts an output nothing reads at the limit and keeps every log line; fails one a step reads', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `test ${i} ok`);
    const engine = new FakeEngine((c) =>
      stepOf(c) === 'tests' || stepOf(c) === 'report' ? { stdout: `${lines.join('\n')}\n` } : {},
    );
    const run = async (yaml: string) => {
      const store = new MemoryStore();
      const logs = new MemoryLogs();
      const result = await runPlan({
        runId: 'r1',
        pipeline: 'p',
        plan: compile({ 'ci.dockercise.yaml': yaml }),
        engine,
        store,
        logs,
        outputLimitBytes: 100_000,
      });
      return { result, store, logs };
    };
    const alone = await run('tests:\n  img: busybox\n  run: npm test\n');
    expect(alone.result.steps[0]).toMatchObject({ status: 'succeeded', outputCutAt: 100_000 });
    expect(alone.store.outputs.get('tests')?.length).toBe(100_000);
    const logged = alone.logs.lines.get('tests') ?? [];
    expect(logged.slice(0, -1)).toEqual(lines);
    expect(logged.at(-1)).toMatch(
      /^\[dockercise: stdout passed the 100000 bytes output limit; no step reads it/,
    );

    const read = await run(
      'report:\n  img: busybox\n  run: npm test\npost:\n  img: busybox\n  run: echo {report}\n',
    );
    expect(read.result.steps.map((s) => [s.name, s.status])).toEqual([
      ['report', 'failed'],
      ['post', 'skipped'],
    ]);
    expect(read.result.steps.find((s) => s.name === 'report')?.error).toMatch(
      /^stdout passed the 100000 bytes output limit/,
    );
  });

  it("lets a step raise its own output limit past the run's", async () => {
    const engine = new FakeEngine(() => ({ stdout: 'x'.repeat(150_000) }));
    const result = await runPlan({
      runId: 'r1',
      pipeline: 'p',
      plan: compile({
        'ci.dockercise.yaml':
          'big:\n  img: busybox\n  run: x\n  output-limit: 200k\nuse:\n  img: busybox\n  run: wc -c {big}\n',
      }),
      engine,
      store: new MemoryStore(),
      logs: new MemoryLogs(),
      outputLimitBytes: 100_000,
    });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['big', 'succeeded'],
      ['use', 'succeeded'],
    ]);
  });

  it("puts a run's steps on a network of its own, or on Docker's default bridge when asked", async () => {
    const plan = compile({
      'ci.dockercise.yaml': 'a:\n  img: busybox\n  run: x\nb:\n  img: busybox\n  run: y\n',
    });
    const networksOf = async (network?: 'own' | 'default') => {
      const seen: (string | undefined)[] = [];
      const made: string[] = [];
      const engine = new FakeEngine((c) => {
        seen.push(c.spec.network);
        made.push(...engine.networks.keys());
        return {};
      });
      const result = await runPlan({
        runId: 'r1',
        pipeline: 'p',
        plan,
        engine,
        store: new MemoryStore(),
        logs: new MemoryLogs(),
        ...(network ? { network } : {}),
      });
      expect(result.status).toBe('succeeded');
      expect(engine.networks.size).toBe(0); // whichever it was, nothing is left
      return { seen, made: [...new Set(made)] };
    };
    expect(await networksOf()).toEqual({ seen: ['dockercise-r1', 'dockercise-r1'], made: ['dockercise-r1'] });
    expect(await networksOf('own')).toEqual({
      seen: ['dockercise-r1', 'dockercise-r1'],
      made: ['dockercise-r1'],
    });
    expect(await networksOf('default')).toEqual({ seen: [undefined, undefined], made: [] });
  });

  it('fails a step whose host was lost more often than it may be, and skips what needs it', async () => {
    const plan = compile({
      'ci.dockercise.yaml':
        'build:\n  img: busybox\n  run: make\nflaky:\n  img: busybox\n  run: t\n  after: build\nship:\n  img: busybox\n  run: s\n  after: flaky\n',
    });
    const store = new MemoryStore();
    store.outputs.set('build', Buffer.from('ok\n'));
    const engine = new FakeEngine();
    const crashed = (hostLost?: number) => ({
      version: 1 as const,
      runId: 'r9',
      pipeline: 'p',
      status: 'running' as const,
      startedAt: '2026-11-28T00:00:00.000Z',
      gates: [],
      steps: [
        {
          name: 'build',
          status: 'succeeded' as const,
          image: 'busybox',
          log: 'logs/build.log',
          output: 'outputs/build',
          secret: false,
        },
        {
          name: 'flaky',
          status: 'running' as const,
          image: 'busybox',
          log: 'logs/flaky.log',
          secret: false,
          ...(hostLost ? { hostLost } : {}),
        },
        { name: 'ship', status: 'pending' as const, image: 'busybox', log: 'logs/ship.log', secret: false },
      ],
    });
    const again = await runPlan({
      runId: 'r9',
      pipeline: 'p',
      plan,
      engine,
      store,
      logs: new MemoryLogs(),
      resume: await planResume(plan, crashed(), store, () => true),
    });
    expect(again.status).toBe('succeeded');
    expect(again.steps.find((s) => s.name === 'flaky')?.hostLost).toBe(1);

    engine.events.length = 0;
    const givenUp = await runPlan({
      runId: 'r9',
      pipeline: 'p',
      plan,
      engine,
      store,
      logs: new MemoryLogs(),
      resume: await planResume(plan, crashed(1), store, () => true),
    });
    expect(givenUp.status).toBe('failed');
    expect(givenUp.steps.map((s) => [s.name, s.status])).toEqual([
      ['build', 'succeeded'],
      ['flaky', 'failed'],
      ['ship', 'skipped'],
    ]);
    expect(givenUp.steps[1]?.error).toMatch(/^its host was lost 2 times while it ran; not run again/);
    expect(engine.events.filter((e) => e.startsWith('start'))).toEqual([]);
  });
});
