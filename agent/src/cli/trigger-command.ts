import { resolve } from 'node:path';
import { FINISHED_RUN_STATUSES, type RunStatus } from '@dockercise/shared';

export interface TriggerCliOptions {
  server: string;
  wait?: boolean;
}

interface Triggered {
  runId: string;
  pipeline: string;
  accountId: string;
  status: 'queued' | 'invalid';
  errors?: string[];
  url: string;
}

/**
 * `dockercise trigger <dir>`: asks a local server to run the git repository holding `dir` at its
 * HEAD, prints the run's page, and with --wait follows it to the end (exit 0 succeeded, 1 failed or
 * cancelled, 2 waiting at a gate).
 */
export async function triggerCommand(dir: string, options: TriggerCliOptions): Promise<number> {
  const server = options.server.replace(/\/$/, '');
  const answer = await request(server, '/api/local/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dir: resolve(dir) }),
  });
  if (!answer) return 69;
  const body = (await answer.json().catch(() => ({}))) as Partial<Triggered> & { error?: string };
  if (!answer.ok) {
    process.stderr.write(`dockercise trigger: ${body.error ?? `the server answered ${answer.status}`}\n`);
    return 1;
  }
  const run = body as Triggered;
  if (run.status === 'invalid') {
    process.stderr.write(`the pipeline is not valid; run ${run.runId} failed:\n`);
    for (const error of run.errors ?? []) process.stderr.write(`  ${error}\n`);
    process.stdout.write(`${server}${run.url}\n`);
    return 1;
  }
  process.stdout.write(`run ${run.runId} queued: ${server}${run.url}\n`);
  if (!options.wait) return 0;

  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const polled = await request(server, `/api/results/${run.accountId}/${run.pipeline}/${run.runId}`);
    if (!polled) return 69;
    if (!polled.ok) continue;
    const { status } = (await polled.json()) as { status: RunStatus };
    if (status === 'waiting-approval') {
      process.stdout.write(`run ${run.runId} is waiting for approval: ${server}${run.url}\n`);
      return 2;
    }
    if (FINISHED_RUN_STATUSES.has(status)) {
      process.stdout.write(`run ${run.runId} ${status}\n`);
      return status === 'succeeded' ? 0 : 1;
    }
  }
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
