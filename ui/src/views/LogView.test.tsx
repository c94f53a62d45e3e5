import { render } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { ApiProvider } from '../api/context.js';
import { apiAnswering, tick } from '../test-support.js';
import { LogView } from './LogView.js';

const RUN = { accountId: 'local', pipeline: 'app', runId: '20261126T100000Z-abcdef' };
const line = (i: number, text = `line ${i}`): string =>
  `2026-11-26T10:00:${String(i % 60).padStart(2, '0')}.000Z out ${text}`;

describe('LogView', () => {
  it('follows a running step: asks again from its token and shows the new lines', async () => {
    const pages = [
      { lines: [line(1), '2026-11-26T10:00:02.000Z err \x1b[31mwarning\x1b[0m'], nextToken: '100' },
      { lines: [], nextToken: '100' },
      { lines: [line(3, 'late line')], nextToken: '140' },
    ];
    const { api, requests } = apiAnswering(() => ({
      body: { source: 'file', complete: false, ...(pages.shift() ?? { lines: [], nextToken: '140' }) },
    }));
    const [active, setActive] = createSignal(true);
    const view = render(() => (
      <ApiProvider value={api}>
        <LogView run={RUN} step="build" active={active} viewportHeight={200} />
      </ApiProvider>
    ));
    await tick(20);
    const log = view.getByRole('log', { name: 'Log of build' });
    expect(log.textContent).toContain('line 1');
    const warning = log.querySelector('.stream-err .ansi-fg-1');
    expect(warning?.textContent).toBe('warning');
    expect(log.textContent).not.toContain('\x1b');

    await tick(2200);
    expect(log.textContent).toContain('late line');
    expect(requests.slice(0, 3)).toEqual([
      `GET /results/local/app/${RUN.runId}/logs/build`,
      `GET /results/local/app/${RUN.runId}/logs/build?token=100`,
      `GET /results/local/app/${RUN.runId}/logs/build?token=100`,
    ]);
    // Once the step has ended, an empty page ends the following.
    setActive(false);
    await tick(1200);
    const settled = requests.length;
    await tick(1500);
    expect(requests.length).toBe(settled);
  }, 15_000);

  it('keeps only the rows in view in the DOM, however long the log', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => line(i));
    const { api } = apiAnswering(() => ({ body: { source: 's3', complete: true, lines } }));
    const view = render(() => (
      <ApiProvider value={api}>
        <LogView run={RUN} step="big" active={() => false} viewportHeight={400} />
      </ApiProvider>
    ));
    await tick(20);
    expect(view.getByText('20,000 lines')).toBeTruthy();
    const rows = view.container.querySelectorAll('.log-line');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(100);
    const sizer = view.container.querySelector('.log-sizer') as HTMLElement;
    expect(sizer.style.height).toBe(`${20_000 * 20}px`);
  });

  it('says when a finished step wrote nothing, and when the log cannot be read', async () => {
    const quiet = apiAnswering(() => ({ body: { source: 's3', complete: true, lines: [] } }));
    const view = render(() => (
      <ApiProvider value={quiet.api}>
        <LogView run={RUN} step="quiet" active={() => false} />
      </ApiProvider>
    ));
    await tick(20);
    expect(view.getByText('This step wrote nothing.')).toBeTruthy();

    const broken = apiAnswering(() => ({
      status: 502,
      body: { error: "could not assume the account's role" },
    }));
    const failing = render(() => (
      <ApiProvider value={broken.api}>
        <LogView run={RUN} step="x" active={() => true} />
      </ApiProvider>
    ));
    await tick(20);
    expect(failing.getByRole('alert').textContent).toContain("could not assume the account's role");
  });
});
