import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compilePipeline, formatDiagnostic, newRunId, type Plan, type RunResult } from '@dockercise/shared';
import Docker from 'dockerode';
import { FileLogSink } from '../src/backends/local/file-log-sink.js';
import { LocalResultStore } from '../src/backends/local/local-result-store.js';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { RUN_LABEL, type RunOptions, runPlan } from '../src/runner/run-plan.js';

export const IMG = 'dockercise-test/busybox';
export const docker = new Docker();

export function compile(files: Record<string, string>): Plan {
  const result = compilePipeline(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.plan;
}

export interface TestRun {
  result: RunResult;
  runId: string;
  dir: string;
  log(step: string): Promise<string>;
  output(step: string): Promise<string | undefined>;
  resultFile(): Promise<string>;
}

/** Runs pipeline files on the real engine with the local store, in a fresh folder. */
export async function runFiles(
  files: Record<string, string>,
  options: Partial<RunOptions> = {},
): Promise<TestRun> {
  const plan = compile(files);
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-test-'));
  const runId = options.runId ?? newRunId();
  const result = await runPlan({
    runId,
    pipeline: 'test',
    plan,
    engine: new DockerEngine(docker),
    store: new LocalResultStore(dir),
    logs: new FileLogSink(dir),
    ...options,
  });
  return {
    result,
    runId,
    dir,
    log: (step) => readFile(join(dir, 'logs', `${step}.log`), 'utf8').catch(() => ''),
    output: (step) => readFile(join(dir, 'outputs', step), 'utf8').catch(() => undefined),
    resultFile: () => readFile(join(dir, 'result.json'), 'utf8'),
  };
}

export function statuses(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.name, s.status]));
}

/** What a run left on the engine: must be nothing once it has ended. */
export async function leftovers(runId: string): Promise<{ containers: number; volumes: number }> {
  const filters = { label: [`${RUN_LABEL}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const { Volumes } = await docker.listVolumes({ filters });
  const networks = await docker.listNetworks({ filters });
  // A network left behind counts with the volumes: the runner removes all three kinds.
  return { containers: containers.length, volumes: (Volumes?.length ?? 0) + networks.length };
}

/** Only the message lines of a log file, without timestamps and stream tags. */
export function logTexts(log: string): string[] {
  return log
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(29));
}

/** The message lines of one stream (`out` or `err`) of a log file. */
export function linesOf(log: string, stream: 'out' | 'err'): string[] {
  return log
    .split('\n')
    .filter((line) => line.slice(25, 28) === stream)
    .map((line) => line.slice(29));
}

export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}
