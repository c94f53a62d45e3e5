import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@dockercise/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../control-plane/src/local/local-server.js';
import { gitRepo } from '../../control-plane/test/local-git.js';
import { launchChromium } from './chromium.js';

const IMG = 'dockercise-test/busybox:latest';
const UI_DIR = fileURLToPath(new URL('../dist', import.meta.url));
/** Screenshots for people to look at when a run fails (CI keeps the folder). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts', import.meta.url));

let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error('build the viewer first: npm run build');
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startLocalServer({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'ui-e2e-')),
    uiDir: UI_DIR,
    logger: silentLogger,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function trigger(dir: string): Promise<string> {
  const response = await fetch(`${server.url}/api/local/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dockercise-token': server.token },
    body: JSON.stringify({ dir }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { url: string }).url;
}

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  // Signed in as the server's owner is, with the one-time link it prints: changes need its cookie.
  await page.goto(server.signInUrl(path));
  Object.assign(page, { problems });
  return page;
}

const node = (page: Page, id: string) => page.locator(`[data-node="${id}"]`);

// In order: the tests after the first look at the run it leaves behind (pipeline `project`).
describe('the results viewer, in Chromium, against the local server', () => {
  it('shows a run waiting at its gate, approves it, and sees every node go green', async () => {
    const repo = gitRepo({
      'ci.dockercise.yaml': [
        'build:',
        `  img: ${IMG}`,
        "  run: printf '\\033[32mcompiled OK\\033[0m\\n'; echo plain line",
        'test:',
        `  img: ${IMG}`,
        '  run: cat {build} >/dev/null && echo tests passed',
        '',
      ].join('\n'),
      'deploy.dockercise.yaml': `after: human-click\nship:\n  img: ${IMG}\n  run: echo shipping after {test}\n`,
    });
    const url = await trigger(repo);
    const page = await openPage(url);

    await node(page, 'gate:deploy.dockercise.yaml').and(page.locator('[data-status="waiting"]')).waitFor();
    await node(page, 'step:test').and(page.locator('[data-status="succeeded"]')).waitFor();
    expect(await node(page, 'step:ship').getAttribute('data-status')).toBe('waiting-approval');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('waiting for approval');
    await page.screenshot({ path: join(ARTIFACTS, 'run-waiting.png'), fullPage: true });

    await page.getByRole('button', { name: 'Approve deploy.dockercise.yaml…' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Approve deploy.dockercise.yaml?');
    // A waiting run is read again every 3 s: the dialog must outlast two of those polls.
    const polls = { count: 0 };
    page.on('response', (response) => {
      if (/\/api\/results\/local\/[^/]+\/[^/]+$/.test(new URL(response.url()).pathname)) polls.count++;
    });
    await expect.poll(() => polls.count, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Approve and run' }).click();
    await page.getByText(/deploy\.dockercise\.yaml approved by \S+; the run goes on\./).waitFor();

    await page.getByTestId('run-status').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    const statuses = await page
      .locator('[data-node]')
      .evaluateAll((nodes) =>
        nodes.map((n) => `${n.getAttribute('data-node')}=${n.getAttribute('data-status')}`),
      );
    expect(statuses.sort()).toEqual([
      'gate:deploy.dockercise.yaml=approved',
      'step:build=succeeded',
      'step:ship=succeeded',
      'step:test=succeeded',
    ]);
    // Every node is drawn green: the fill the stylesheet gives a finished, passed node.
    const fills = await page
      .locator('[data-node] .shape')
      .evaluateAll((shapes) => shapes.map((s) => getComputedStyle(s).fill));
    expect(new Set(fills)).toEqual(new Set(['rgb(218, 251, 225)']));

    // The build step's log, with its ANSI colour rendered as a styled span, not as escape codes.
    await node(page, 'step:build').click();
    const coloured = page.locator('.log-line .ansi-fg-2', { hasText: 'compiled OK' });
    await coloured.waitFor();
    expect(await coloured.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(63, 185, 80)');
    expect(await page.locator('.log-box').textContent()).not.toContain('[32m');
    await page.getByRole('button', { name: 'Show the output' }).click();
    await expect.poll(() => page.locator('pre.output').textContent()).toContain('compiled OK');
    await page.screenshot({ path: join(ARTIFACTS, 'run-finished.png'), fullPage: true });

    expect((page as unknown as { problems: string[] }).problems).toEqual([]);
    await page.close();
  });

  it('lists the runs of a pipeline, and moves to a run by keyboard', async () => {
    const page = await openPage('/results/local/project');
    const link = page.getByRole('link', { name: /^\d{8}T\d{6}Z-[0-9a-f]{6}$/ }).first();
    await link.waitFor();
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /Run \d{8}T/ }).waitFor();
    // Tab reaches the graph's nodes, and Enter selects one.
    await page.locator('[data-node="step:test"]').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: /test$/ }).waitFor();
    await page.close();
  });

  it('gives a missing run and an unknown address clear pages, not blank ones', async () => {
    const missing = await openPage('/results/local/project/20000101T000000Z-000000');
    await missing.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await missing.getByRole('alert').textContent()).toContain('no such run');
    await missing.close();

    const account = await openPage('/results/123456789012/project/20000101T000000Z-000000');
    await account.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await account.getByRole('alert').textContent()).toContain('no such AWS account');
    await account.close();
  });

  it('keeps every piece of text at a contrast of 4.5:1 or more against what is behind it', async () => {
    const page = await openPage('/results/local/project');
    await page
      .getByRole('link', { name: /^\d{8}T/ })
      .first()
      .click();
    await page.locator('[data-node="step:build"]').waitFor();
    await page.locator('[data-node="step:build"]').click();
    await page.locator('.log-line').first().waitFor();
    const poor = await page.evaluate(lowContrastText);
    expect(poor).toEqual([]);
    await page.close();
  });

  it('is usable on a narrow screen: the panel moves below the graph', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${server.url}/results/local/project`);
    await page
      .getByRole('link', { name: /^\d{8}T/ })
      .first()
      .click();
    await page.locator('[data-node="step:build"]').waitFor();
    const graph = await page.locator('.dag-frame').boundingBox();
    const panel = await page.locator('.panel').boundingBox();
    expect(graph && panel && panel.y > graph.y + graph.height).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'run-narrow.png'), fullPage: true });
    await page.close();
  });
});

/** Runs in the page: every element with its own text whose colour is under 4.5:1 against its backdrop. */
function lowContrastText(): string[] {
  const parse = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
    const channel = (v: number): number => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const backdrop = (element: Element | null): number[] => {
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour.length === 3 || (colour[3] ?? 0) > 0.5) return colour;
    }
    return [255, 255, 255];
  };
  const poor: string[] = [];
  for (const element of document.querySelectorAll('body *')) {
    const ownText = [...element.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim(),
    );
    if (!ownText || element.closest('svg') || element.closest('.visually-hidden')) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) < 1) continue;
    const [a, b] = [luminance(parse(style.color)), luminance(backdrop(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5)
      poor.push(
        `${element.tagName.toLowerCase()}.${element.className}: ${ratio.toFixed(2)} "${element.textContent?.trim().slice(0, 30)}"`,
      );
  }
  return poor;
}
