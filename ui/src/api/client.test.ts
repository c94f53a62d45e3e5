import { describe, expect, it } from 'vitest';
import { apiAnswering } from '../test-support.js';
import { ApiError, errorKindOf, ResultsApi } from './client.js';

const RUN = { accountId: '123456789012', pipeline: 'org.repo', runId: '20261126T100000Z-abcdef' };

describe('ResultsApi', () => {
  it('reads a run, validated into the shared types', async () => {
    const { api, requests } = apiAnswering(() => ({
      body: {
        version: 1,
        runId: RUN.runId,
        pipeline: RUN.pipeline,
        status: 'running',
        startedAt: '2026-11-26T10:00:00.000Z',
        steps: [],
        gates: [],
        graph: { steps: [], gates: [] },
      },
    }));
    const run = await api.run(RUN);
    expect(run.status).toBe('running');
    expect(requests).toEqual([`GET /results/123456789012/org.repo/${RUN.runId}`]);
  });

  it('sends changes with the same-origin cookie and no token of its own: the page carries none', async () => {
    const seen: Array<[string, RequestCredentials | undefined, string | null]> = [];
    const api = new ResultsApi(async (_input, init) => {
      seen.push([
        init?.method ?? 'GET',
        init?.credentials,
        new Headers(init?.headers).get('x-dockercise-token'),
      ]);
      return new Response('{}', { status: 202 });
    });
    await api.cancel(RUN);
    expect(seen).toEqual([['POST', 'same-origin', null]]);
  });

  it('turns every failure into an ApiError with a kind a page can show', async () => {
    const notFound = apiAnswering(() => ({ status: 404, body: { error: 'no such run' } }));
    await expect(notFound.api.run(RUN)).rejects.toMatchObject({ kind: 'not-found', message: 'no such run' });

    const wrongShape = apiAnswering(() => ({ body: { status: 'exploded' } }));
    await expect(wrongShape.api.run(RUN)).rejects.toMatchObject({ kind: 'broken' });

    const notJson = apiAnswering(() => ({ body: '<html>proxy error</html>' }));
    await expect(notJson.api.run(RUN)).rejects.toMatchObject({ kind: 'broken' });

    const down = new ResultsApi(() => Promise.reject(new TypeError('fetch failed')));
    const error = await down.run(RUN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'unreachable' });
  });

  it('classifies statuses', () => {
    expect([401, 403, 404, 409, 500, 502, 503].map(errorKindOf)).toEqual([
      'not-allowed',
      'not-allowed',
      'not-found',
      'refused',
      'broken',
      'unreachable',
      'unreachable',
    ]);
  });

  it('escapes names in paths, and POSTs approvals', async () => {
    const { api, requests } = apiAnswering(() => ({
      status: 202,
      body: { gate: 'a b.yaml', approvedBy: 'octocat', approvedAt: '2026-11-26T10:00:00.000Z' },
    }));
    await api.approve(RUN, 'a b.yaml');
    expect(requests).toEqual([`POST /results/123456789012/org.repo/${RUN.runId}/gates/a%20b.yaml/approve`]);
  });
});
