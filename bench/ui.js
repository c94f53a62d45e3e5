// (f) The results viewer: from navigation to a drawn graph, in headless Chromium, for a 200-step run
// against a 3-step run measured in the same browser, on the same local server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalServer } from '@dockercise/control-plane/local';
import { launchChromium } from '../ui/test/chromium.js';
import { median } from './stats.js';

const IMAGE = 'dockercise-test/busybox:latest';
const UI_DIR = fileURLToPath(new URL('../ui/dist', import.meta.url));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function repoWith(files) {
  const dir = join(mkdtempSync(join(tmpdir(), 'bench-ui-')), 'repo');
  mkdirSync(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'bench'],
  ])
    execFileSync('git', ['-C', dir, ...args], { env });
  return dir;
}

/** 200 steps in 20 layers of 10, each waiting on one or two steps of the layer before. */
function wideDag(steps = 200, width = 10) {
  return Array.from({ length: steps }, (_, i) => {
    const needs =
      i < width ? [] : [...new Set([`s${i - width}`, `s${i - width - (i % width === 0 ? 0 : 1)}`])];
    return `s${i}:\n  img: ${IMAGE}\n  run: "true"\n${needs.length ? `  after: [${needs.join(', ')}]\n` : ''}`;
  }).join('');
}

async function runToEnd(server, files) {
  const response = await fetch(`${server.url}/api/local/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dockercise-token': server.token },
    body: JSON.stringify({ dir: repoWith(files) }),
  });
  const { url } = await response.json();
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const run = await (await fetch(server.url + url.replace('/results/', '/api/results/'))).json();
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) {
      if (run.status !== 'succeeded') throw new Error(`bench run ${run.status}`);
      return { url, nodes: run.steps.length + run.gates.length };
    }
    if (Date.now() > deadline) throw new Error('bench run did not finish');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Milliseconds from navigation start to every node of the graph in the DOM, as the page measures it. */
async function timeToGraph(browser, pageUrl, nodes) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(pageUrl, { waitUntil: 'commit' });
  await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length >= n, nodes, {
    polling: 'raf',
  });
  // The frame that shows them has been painted once the next animation frame starts.
  const ms = await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now()))),
  );
  await context.close();
  return ms;
}

export async function viewerRender(results, rounds = 7) {
  if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error('build the viewer first: npm run build');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ui-data-'));
  const server = await startLocalServer({
    port: 0,
    dataDir,
    uiDir: UI_DIR,
    logger: quiet,
    stepConcurrency: 4,
  });
  const browser = await launchChromium();
  try {
    const small = await runToEnd(server, {
      'ci.dockercise.yaml': `a:\n  img: ${IMAGE}\n  run: "true"\nb:\n  img: ${IMAGE}\n  run: "true"\n  after: [a]\nc:\n  img: ${IMAGE}\n  run: "true"\n  after: [b]\n`,
    });
    const large = await runToEnd(server, { 'ci.dockercise.yaml': wideDag() });
    await timeToGraph(browser, server.url + small.url, small.nodes); // warm the browser and the server
    const smallMs = [];
    const largeMs = [];
    for (let r = 0; r < rounds; r++) {
      smallMs.push(await timeToGraph(browser, server.url + small.url, small.nodes));
      largeMs.push(await timeToGraph(browser, server.url + large.url, large.nodes));
    }
    const detail = `navigation to drawn graph in headless Chromium, median of ${rounds}`;
    results.push({
      name: '(f) viewer 200 vs 3 steps',
      detail,
      baseline: `3-step run ${median(smallMs).toFixed(0)} ms`,
      measured: `200-step run ${median(largeMs).toFixed(0)} ms`,
      ratio: median(largeMs) / median(smallMs),
      goal: null,
    });
    results.push({
      name: '(f2) viewer vs 1 s goal',
      detail,
      baseline: 'goal 1000 ms',
      measured: `200-step run ${median(largeMs).toFixed(0)} ms`,
      ratio: median(largeMs) / 1000,
      goal: 1,
    });
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
