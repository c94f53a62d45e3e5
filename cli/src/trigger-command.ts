import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { FINISHED_RUN_STATUSES, logPageSchema, type RunView, runViewSchema } from '@dockercise/shared';
import { failedTestsText } from './failed-tests.js';
import type { TriggerCliOptions } from './options.js';
import { elapsed, statusLabel } from './progress.js';

interface Triggered {
  runId: string;
  pipeline: string;
  accountId: string;
  status: 'queued' | 'invalid';
  errors?: string[];
  url: string;
  signInUrl?: string;
}

/** How many lines of a failed step's log `--wait` prints. */
const TAIL_LINES = 20;

/**
 * `dockercise trigger <dir>`: asks a local server to run the git repository holding `dir` at its
 * HEAD, prints the run's page, and with --wait follows it to the end, a line per finished step
 * (exit 0 succeeded, 1 failed or cancelled, 2 waiting at a gate).
 */
export async function triggerCommand(dir: string, options: TriggerCliOptions): Promise<number> {
  const server = options.server.replace(/\/$/, '');
  for (const file of await uncommittedPipelineFiles(resolve(dir)))
    process.stderr.write(
      `dockercise trigger: warning: ${file} is not committed: the run uses HEAD without it\n`,
    );
  const token = await readFile(options.tokenFile, 'utf8').catch(() => undefined);
  if (token === undefined) {
    process.stderr.write(
      `dockercise trigger: cannot read the local server's token at ${options.tokenFile}: is \`dockercise server --local\` running? With another --data, give its token file with --token-file\n`,
    );
    return 69;
  }
  const answer = await request(server, '/api/local/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dockercise-token': token.trim() },
    body: JSON.stringify({ dir: resolve(dir) }),
  });
  if (!answer) return 69;
  const body = (await answer.json().catch(() => ({}))) as Partial<Triggered> & { error?: string };
  if (!answer.ok) {
    process.stderr.write(`dockercise trigger: ${body.error ?? `the server answered ${answer.status}`}\n`);
    return 1;
  }
  const run = body as Triggered;
  const page = `${server}${run.url}`;
  if (run.status === 'invalid') {
    process.stderr.write(`the pipeline is not valid; run ${run.runId} failed:\n`);
    for (const error of run.errors ?? []) process.stderr.write(`  ${error}\n`);
    process.stdout.write(`${page}\n`);
    return 1;
  }
  process.stdout.write(`run ${run.runId} queued: ${page}\n`);
  if (run.signInUrl)
    process.stdout.write(`  to approve or cancel from a browser, open once: ${server}${run.signInUrl}\n`);
  if (!options.wait) return 0;

  const api = `${server}/api/results/${run.accountId}/${run.pipeline}/${run.runId}`;
  const reported = new Set<string>();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const polled = await request(server, api.slice(server.length));
    if (!polled) return 69;
    if (!polled.ok) continue;
    const parsed = runViewSchema.safeParse(await polled.json().catch(() => undefined));
    if (!parsed.success) continue;
    const view = parsed.data;
    for (const step of view.steps) {
      if (reported.has(step.name) || isActive(step.status)) continue;
      reported.add(step.name);
      const took = step.status === 'skipped' ? '' : ` ${elapsed(step, Date.now())}`;
      process.stdout.write(`  ${step.name}: ${statusLabel(step).text}${took}\n`);
    }
    if (view.status === 'waiting-approval') {
      process.stdout.write(`run ${run.runId} is waiting for approval: ${page}\n`);
      return 2;
    }
    if (FINISHED_RUN_STATUSES.has(view.status)) {
      if (view.status !== 'succeeded') await printFailures(server, api, view);
      process.stdout.write(failedTestsText(view.steps));
      process.stdout.write(`run ${run.runId} ${view.status}: ${page}\n`);
      return view.status === 'succeeded' ? 0 : 1;
    }
  }
}

/** A step is still to be reported while it may change: pending, waiting or running. */
function isActive(status: string): boolean {
  return status === 'pending' || status === 'running' || status === 'waiting-approval';
}

async function printFailures(server: string, api: string, view: RunView): Promise<void> {
  const failed = view.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out');
  if (failed.length === 0) return;
  process.stdout.write(`failed: ${failed.map((s) => s.name).join(', ')}\n`);
  for (const step of failed) {
    const tail = await logTail(server, `${api}/logs/${step.name}`);
    process.stdout.write(`--- ${step.name}: ${step.error ?? step.status}; last lines of its log ---\n`);
    for (const line of tail) process.stdout.write(`${line}\n`);
  }
}

/** The last lines of a finished step's log, read page by page (a bounded number of pages). */
async function logTail(server: string, url: string): Promise<string[]> {
  let tail: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await request(server, `${url.slice(server.length)}${token ? `?token=${token}` : ''}`);
    const parsed = logPageSchema.safeParse(await answer?.json().catch(() => undefined));
    if (!parsed.success) break;
    tail = [...tail, ...parsed.data.lines.map(logText)].slice(-TAIL_LINES);
    if (parsed.data.lines.length === 0 || !parsed.data.nextToken || parsed.data.nextToken === token) break;
    token = parsed.data.nextToken;
  }
  return tail;
}

/** A stored log line without its time and stream: `2026-…Z out hello` → `hello`. */
function logText(line: string): string {
  const match = /^\S+Z (?:out|err|-) (.*)$/s.exec(line);
  return match?.[1] ?? line;
}

/** Pipeline files that differ from HEAD: a push would not carry them, so the run does not either. */
async function uncommittedPipelineFiles(dir: string): Promise<string[]> {
  const run = promisify(execFile);
  const status = await run(
    'git',
    [
      '-C',
      dir,
      'status',
      '--porcelain',
      '--untracked-files=all',
      '--',
      '*.dockercise.yaml',
      '*.dockercise.yml',
    ],
    { timeout: 10_000 },
  ).catch(() => undefined);
  if (!status) return [];
  return status.stdout
    .split('\n')
    .filter((line) => line.length > 3)
    .map((line) => line.slice(3));
}

async function request(server: string, path: string, init?: RequestInit): Promise<Response | undefined> {
  try {
    return await fetch(`${server}${path}`, init);
  } catch (error) {
    process.stderr.write(
      `dockercise trigger: cannot reach the local server at ${server} (${(error as Error).cause ?? (error as Error).message}); start it with \`dockercise server --local\`\n`,
    );
    return undefined;
  }
}
