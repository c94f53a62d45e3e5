import type { RunView } from '@dockercise/shared';
import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../App.js';
import { apiAnswering, tick } from '../test-support.js';
import { defaultSelection, pollInterval } from './RunPage.js';

const RUN_ID = '20261126T100000Z-abcdef';
const waitingRun = (): RunView => ({
  version: 1,
  runId: RUN_ID,
  pipeline: 'app',
  status: 'waiting-approval',
  startedAt: '2026-11-26T10:00:00.000Z',
  source: { commit: '0123456789abcdef', branch: 'main' },
  steps: [
    {
      name: 'build',
      status: 'succeeded',
      image: 'busybox',
      log: 'logs/build.log',
      secret: false,
      exitCode: 0,
      startedAt: '2026-11-26T10:00:00.000Z',
      endedAt: '2026-11-26T10:00:02.000Z',
      durationMs: 2000,
    },
    { name: 'ship', status: 'waiting-approval', image: 'busybox', log: 'logs/ship.log', secret: false },
  ],
  gates: [{ name: 'deploy.dockercise.yaml', status: 'waiting' }],
  graph: {
    steps: [
      { name: 'build', needs: [] },
      { name: 'ship', needs: ['build'], gate: 'deploy.dockercise.yaml' },
    ],
    gates: [{ name: 'deploy.dockercise.yaml' }],
  },
});

function openRun(path: string, answer: Parameters<typeof apiAnswering>[0]) {
  window.history.pushState({}, '', path);
  const { api, requests } = apiAnswering(answer);
  return { view: render(() => <App api={api} />), requests };
}

describe('the run page', () => {
  it('shows a run waiting at its gate, and approves it after confirmation', async () => {
    let run = waitingRun();
    const { view, requests } = openRun(`/results/local/app/${RUN_ID}`, (path, init) => {
      if (init?.method === 'POST' && path.endsWith('/gates/deploy.dockercise.yaml/approve')) {
        run = {
          ...run,
          status: 'running',
          gates: [{ name: 'deploy.dockercise.yaml', status: 'approved', approvedBy: 'me' }],
        };
        return {
          status: 202,
          body: { gate: 'deploy.dockercise.yaml', approvedBy: 'me', approvedAt: '2026-11-26T10:01:00.000Z' },
        };
      }
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/'))
        return { body: { source: 'file', lines: [], complete: false, nextToken: '0' } };
      return undefined;
    });
    await tick(30);
    expect(view.getByTestId('run-status').textContent).toContain('waiting for approval');
    expect(view.getByRole('heading', { level: 1 }).textContent).toContain(RUN_ID);
    // The waiting gate is selected first, with its own approve button.
    expect(
      view.getByRole('heading', { level: 2, name: /Approval gate deploy\.dockercise\.yaml/ }),
    ).toBeTruthy();

    fireEvent.click(view.getByRole('button', { name: 'Approve deploy.dockercise.yaml…' }));
    fireEvent.click(view.getByRole('button', { name: 'Approve and run' }));
    await tick(30);
    expect(requests).toContain(`POST /results/local/app/${RUN_ID}/gates/deploy.dockercise.yaml/approve`);
    expect(view.getByText('deploy.dockercise.yaml approved by me; the run goes on.')).toBeTruthy();
    expect(view.getByTestId('run-status').textContent).toContain('running');
    expect(view.queryByRole('button', { name: 'Approve deploy.dockercise.yaml…' })).toBeNull();
    view.unmount();
  });

  it('keeps the approve dialog of the banner open across polls', async () => {
    // Running with a gate ahead: polled every second, each poll a fresh copy of the run.
    const { view, requests } = openRun(`/results/local/app/${RUN_ID}`, (path) =>
      path === `/results/local/app/${RUN_ID}` ? { body: { ...waitingRun(), status: 'running' } } : undefined,
    );
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'Approve deploy.dockercise.yaml…' }));
    expect(view.getByRole('dialog')).toBeTruthy();
    const before = requests.length;
    await tick(2300);
    expect(requests.length).toBeGreaterThanOrEqual(before + 2);
    expect(view.getByRole('dialog').textContent).toContain('Approve deploy.dockercise.yaml?');
    view.unmount();
  });

  it('keeps the step the user chose after approving, and drops the notice once the run ends', async () => {
    let run = waitingRun();
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path, init) => {
      if (init?.method === 'POST') {
        run = {
          ...run,
          status: 'running',
          gates: [{ name: 'deploy.dockercise.yaml', status: 'approved', approvedBy: 'me' }],
          steps: [
            run.steps[0] as RunView['steps'][number],
            {
              ...(run.steps[1] as RunView['steps'][number]),
              status: 'running',
              startedAt: '2026-11-26T10:05:00.000Z',
            },
          ],
        };
        return {
          status: 202,
          body: { gate: 'deploy.dockercise.yaml', approvedBy: 'me', approvedAt: '2026-11-26T10:05:00.000Z' },
        };
      }
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    expect(view.getByRole('heading', { level: 2, name: /build/ })).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Approve deploy.dockercise.yaml…' }));
    fireEvent.click(view.getByRole('button', { name: 'Approve and run' }));
    await tick(50);
    expect(view.getByText('deploy.dockercise.yaml approved by me; the run goes on.')).toBeTruthy();
    expect(view.getByRole('heading', { level: 2, name: /build/ })).toBeTruthy();
    expect(document.title).toBe('app · running · run 20261126T100000Z-abcdef — dockercise');

    run = { ...run, status: 'succeeded', endedAt: '2026-11-26T10:06:00.000Z', durationMs: 360000 };
    await tick(1200);
    expect(view.queryByText('deploy.dockercise.yaml approved by me; the run goes on.')).toBeNull();
    view.unmount();
  });

  it("shows a build step's image: its id and every name it was pushed to", async () => {
    const run = waitingRun();
    const [build] = run.steps;
    if (build) {
      build.image = '';
      build.built = {
        id: `sha256:${'a'.repeat(64)}`,
        pushed: [`registry.example.com/app@sha256:${'b'.repeat(64)}`],
      };
    }
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) => {
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    expect(view.getByText('Built')).toBeTruthy();
    expect(view.getByText(`sha256:${'a'.repeat(64)}`)).toBeTruthy();
    expect(view.getByText(`registry.example.com/app@sha256:${'b'.repeat(64)}`)).toBeTruthy();
    // A build step runs no image of its own: no empty Image row.
    expect(view.queryByText('Image')).toBeNull();
  });

  it("lists a step's artifacts with their sizes, each a download link", async () => {
    const run = waitingRun();
    const [build] = run.steps;
    if (build) build.artifacts = [{ path: 'dist/app v1.tgz', size: 3_400_000, sha256: 'ab'.repeat(32) }];
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) => {
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    const link = view.getByRole('link', { name: 'dist/app v1.tgz' });
    expect(link.getAttribute('href')).toBe(
      `/api/results/local/app/${RUN_ID}/artifacts/build/dist/app%20v1.tgz`,
    );
    expect(view.getByText(/3\.4 MB/)).toBeTruthy();
  });

  it("shows a step's failed tests first, with where and what they said", async () => {
    const run = waitingRun();
    const [build] = run.steps;
    if (build)
      build.tests = {
        passed: 41,
        failed: 1,
        skipped: 2,
        failures: [
          {
            suite: 'auth',
            name: 'test_login',
            file: 'tests/test_auth.py',
            line: 12,
            message: 'expected 200, got 401',
          },
        ],
      };
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) => {
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    const tests = view.getByRole('region', { name: 'Tests of build' });
    expect(tests.textContent).toContain('Tests: 1 failed, 41 passed, 2 skipped');
    expect(tests.textContent).toContain('test_login');
    expect(tests.textContent).toContain('tests/test_auth.py:12');
    expect(tests.textContent).toContain('expected 200, got 401');
  });

  it("lists a step's services and shows a service's log on request", async () => {
    const run = waitingRun();
    const [build] = run.steps;
    if (build)
      build.services = [
        { name: 'db', image: 'postgres:16', log: 'logs/build.db.log', readyAfterMs: 1500 },
        {
          name: 'cache',
          image: 'redis',
          log: 'logs/build.cache.log',
          error: 'service cache exited with code 1 before it was ready',
        },
      ];
    const { view, requests } = openRun(`/results/local/app/${RUN_ID}`, (path) => {
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.endsWith('/logs/build.db'))
        return {
          body: {
            source: 'file',
            lines: ['2026-11-26T10:00:01.000Z out database system is ready'],
            complete: true,
          },
        };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    expect(view.getByText(/ready after 1\.5 s/)).toBeTruthy();
    expect(view.getByText(/service cache exited with code 1 before it was ready/)).toBeTruthy();
    expect(requests.some((r) => r.includes('/logs/build.db'))).toBe(false);
    const [showDb] = view.getAllByRole('button', { name: 'Show its log' });
    if (showDb) fireEvent.click(showDb);
    await tick(30);
    expect(requests.some((r) => r.includes('/logs/build.db'))).toBe(true);
    expect(view.getByText('database system is ready')).toBeTruthy();
    view.unmount();
  });

  it('re-runs the failed steps of an ended run after confirmation, and offers nothing while it runs', async () => {
    let run: RunView = {
      ...waitingRun(),
      status: 'failed',
      endedAt: '2026-11-26T10:00:05.000Z',
      durationMs: 5000,
      gates: [],
    };
    const { view, requests } = openRun(`/results/local/app/${RUN_ID}`, (path, init) => {
      if (init?.method === 'POST' && path.endsWith('/rerun')) {
        run = {
          ...run,
          status: 'pending',
          attempt: 2,
          previousAttempts: [{ attempt: 1, status: 'failed', startedAt: run.startedAt, steps: [] }],
        };
        return { status: 202, body: { runId: RUN_ID, attempt: 2, steps: 'failed' } };
      }
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    expect(view.getByRole('button', { name: 'Re-run all…' })).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Re-run failed steps…' }));
    fireEvent.click(view.getByRole('button', { name: 'Re-run failed steps' }));
    await tick(50);
    expect(requests).toContain(`POST /results/local/app/${RUN_ID}/rerun`);
    expect(view.getByText('Attempt 2 asked for: what did not succeed runs again.')).toBeTruthy();
    expect(view.queryByRole('button', { name: 'Re-run all…' })).toBeNull();
    expect(view.getByText('attempt 2 (earlier: 1 failed)')).toBeTruthy();
    view.unmount();
  });

  it("lets the owner allow a fork's held pull request to run, after confirmation", async () => {
    let run: RunView = { ...waitingRun(), status: 'pending', gates: [], held: true };
    const { view, requests } = openRun(`/results/local/app/${RUN_ID}`, (path, init) => {
      if (init?.method === 'POST' && path.endsWith('/release')) {
        run = { ...run, held: false };
        return { status: 202, body: { runId: RUN_ID, released: true } };
      }
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      return undefined;
    });
    await tick(30);
    expect(view.getByText(/A pull request from a fork/)).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Allow it to run…' }));
    fireEvent.click(view.getByRole('button', { name: 'Allow and run' }));
    await tick(50);
    expect(requests).toContain(`POST /results/local/app/${RUN_ID}/release`);
    expect(view.queryByText(/A pull request from a fork/)).toBeNull();
    view.unmount();
  });

  it('says how long a waiting run has waited', async () => {
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) =>
      path === `/results/local/app/${RUN_ID}`
        ? { body: { ...waitingRun(), endedAt: '2026-11-26T10:00:02.000Z', durationMs: 1500 } }
        : undefined,
    );
    await tick(30);
    const facts = view.container.querySelector('.run-facts')?.textContent ?? '';
    expect(facts).toMatch(/ran 1\.5 s, waiting for approval for \d/);
    expect(facts).not.toContain('took');
    view.unmount();
  });

  it('offers no approval on a failed run, and says why its gate closed', async () => {
    const failed: RunView = {
      ...waitingRun(),
      status: 'failed',
      steps: [
        { ...(waitingRun().steps[0] as RunView['steps'][number]), status: 'failed', exitCode: 1 },
        {
          name: 'ship',
          status: 'skipped',
          image: 'busybox',
          log: 'logs/ship.log',
          secret: false,
          error: 'skipped: the run failed before its gate was approved',
        },
      ],
      gates: [{ name: 'deploy.dockercise.yaml', status: 'skipped' }],
    };
    const { view } = openRun(`/results/local/app/${RUN_ID}?gate=deploy.dockercise.yaml`, (path) =>
      path === `/results/local/app/${RUN_ID}` ? { body: failed } : undefined,
    );
    await tick(30);
    expect(view.queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(view.getByText(/The run ended before anyone approved deploy\.dockercise\.yaml/)).toBeTruthy();
    view.unmount();
  });

  it('shows an invalid pipeline as a failed run with its errors, and offers no cancel', async () => {
    const invalid: RunView = {
      ...waitingRun(),
      status: 'failed',
      error: 'ci.dockercise.yaml:3:7: unknown step "nope"',
      steps: [],
      gates: [],
      graph: undefined,
    };
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) =>
      path === `/results/local/app/${RUN_ID}` ? { body: invalid } : undefined,
    );
    await tick(30);
    expect(view.getByRole('alert').textContent).toContain('ci.dockercise.yaml:3:7');
    expect(view.getByText(/its pipeline did not compile/)).toBeTruthy();
    expect(view.queryByRole('button', { name: 'Cancel run…' })).toBeNull();
    // It ended without a step: not "No step has started yet", as if one might.
    expect(view.getByText('No step ran.')).toBeTruthy();
    expect(view.queryByText('No step has started yet.')).toBeNull();
    view.unmount();
  });

  it("says why a step has no output, that an output was cut, and what a finished step's phase was", async () => {
    const run = waitingRun();
    const [build] = run.steps;
    if (build) Object.assign(build, { phase: 'done', outputCutAt: 1048576, output: 'outputs/build' });
    run.steps.push({
      name: 'lint',
      status: 'failed',
      image: 'busybox',
      log: 'logs/lint.log',
      secret: false,
      exitCode: 1,
    });
    run.graph?.steps.push({ name: 'lint', needs: [] });
    const { view } = openRun(`/results/local/app/${RUN_ID}`, (path) => {
      if (path === `/results/local/app/${RUN_ID}`) return { body: run };
      if (path.includes('/logs/')) return { body: { source: 'file', lines: [], complete: true } };
      return undefined;
    });
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'step build: succeeded' }));
    await tick(10);
    expect(view.getByText('done (its confirmation ran)')).toBeTruthy();
    expect(view.getByText(/what is kept is its first 1048576 bytes/)).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'step lint: failed' }));
    await tick(10);
    expect(view.getByText('No output stored: an output is kept when the step succeeds.')).toBeTruthy();
    view.unmount();
  });

  it('gives the control plane being down its own page', async () => {
    window.history.pushState({}, '', `/results/local/app/${RUN_ID}`);
    const { ResultsApi } = await import('../api/client.js');
    const api = new ResultsApi(() => Promise.reject(new TypeError('fetch failed')));
    const view = render(() => <App api={api} />);
    await tick(30);
    expect(view.getByRole('heading', { level: 1 }).textContent).toBe('The control plane is unreachable');
    view.unmount();
  });

  it('polls an active run and stops once it has ended', () => {
    const run = waitingRun();
    expect(pollInterval({ ...run, status: 'running' })).toBe(1000);
    expect(pollInterval(run)).toBe(3000);
    expect(pollInterval({ ...run, status: 'succeeded' })).toBeUndefined();
    expect(
      defaultSelection({
        ...run,
        steps: [{ ...(run.steps[0] as RunView['steps'][number]), status: 'failed' }],
      }),
    ).toEqual({
      kind: 'step',
      name: 'build',
    });
  });
});
