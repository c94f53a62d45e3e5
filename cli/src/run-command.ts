import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  createLogger,
  DockerEngine,
  dockerConfigAuth,
  EngineUnavailableError,
  FileLogSink,
  keptWorkspaces,
  LocalResultStore,
  parseMemory,
  planResume,
  runPlan,
  teeSinks,
} from '@dockercise/agent/local';
import { newRunId, RUN_ID, type RunResult, resultPaths, subPlan } from '@dockercise/shared';
import { commitTree, commitWorkspace } from './commit-tree.js';
import { failedTestsText } from './failed-tests.js';
import { resolveGates } from './gates.js';
import { gitBranch, gitDefaultBranch, repositoryIdentity } from './git.js';
import { compileAt, loadPlan, printDiagnostics } from './load-plan.js';
import { EXIT_USAGE, type LogOptions, type RunCliOptions } from './options.js';
import { LiveView, PrefixedView } from './progress.js';
import { GATE_KEEP_DAYS, removeStaleGateWorkspaces } from './stale-gates.js';
import { workingTree } from './working-tree.js';

/** Exit code when a run stopped at a human-click gate: neither a success nor a failure. */
export const EXIT_WAITING = 2;

export async function runCommand(dir: string, options: RunCliOptions & LogOptions): Promise<number> {
  const logger = createLogger(options.logLevel, options.logFormat);
  const atCommit = options.commit ? await commitTree(dir, options.commit) : undefined;
  if (atCommit && !atCommit.ok) {
    process.stderr.write(`dockercise: ${atCommit.message}\n`);
    return EXIT_USAGE;
  }
  const loaded = atCommit ? compileAt(resolve(dir), atCommit.sources) : await loadPlan(dir);
  if (!loaded.ok) {
    printDiagnostics(loaded.diagnostics, process.stderr);
    return 1;
  }
  let plan = loaded.plan;
  const usage = (message: string): number => {
    process.stderr.write(`dockercise: ${message}\n`);
    return EXIT_USAGE;
  };
  let approvedGates: ReadonlySet<string> | 'all' = options.approve ? 'all' : new Set<string>();
  if (options.approveGates) {
    const gates = resolveGates(plan, options.approveGates);
    if (!gates.ok) return usage(gates.message);
    if (approvedGates !== 'all') approvedGates = gates.gates;
  }
  if (options.step) {
    const known = new Set(plan.steps.map((s) => s.name));
    const unknown = options.step.filter((s) => !known.has(s));
    if (unknown.length > 0)
      return usage(`no step named ${unknown.join(', ')}; the steps are ${[...known].join(', ')}`);
    plan = subPlan(plan, options.step);
  }
  const memoryBytes = options.memory === undefined ? undefined : parseMemory(options.memory);
  if (options.memory !== undefined && memoryBytes === undefined) {
    process.stderr.write(`dockercise: --memory ${options.memory} is not a size; write it like 512m or 2g\n`);
    return 1;
  }

  const engine = new DockerEngine();
  try {
    await engine.ping();
  } catch (error) {
    process.stderr.write(`dockercise: ${(error as Error).message}\n`);
    return 1;
  }

  const branch = options.branch ?? (atCommit ? atCommit.branch : await gitBranch(loaded.root));
  const repository = await repositoryIdentity(loaded.root);
  const defaultBranch = await gitDefaultBranch(loaded.root);
  const resultsDir = join(loaded.root, '.dockercise');
  await keepOutOfGit(resultsDir);
  if (options.resume !== undefined && !RUN_ID.test(options.resume))
    return usage(`--resume takes a run id, like 20261126T204100Z-3f9a1c, not ${options.resume}`);
  const runId = options.resume ?? newRunId();
  const runDir = join(resultsDir, 'runs', runId);
  const store = new LocalResultStore(runDir);
  // Going on with an earlier run: what succeeded is kept, the rest (and the writers of the
  // workspaces it needs) runs again, as the agent resumes a run after its gate.
  const previous = options.resume ? await store.loadResult().catch(() => undefined) : undefined;
  if (options.resume && !previous)
    return usage(`no run ${options.resume} under ${relative(process.cwd(), resultsDir) || resultsDir}`);
  // Resuming what succeeded would overwrite its record with a new outcome: there is nothing to go on with.
  if (options.resume && previous?.status === 'succeeded')
    return usage(`run ${options.resume} succeeded: there is nothing to resume; run again without --resume`);
  const isApproved = (gate: string): boolean => approvedGates === 'all' || approvedGates.has(gate);
  // The workspaces a gate's steps mount were kept while it waited: those are not rebuilt.
  const resume = previous
    ? await planResume(
        plan,
        previous,
        store,
        isApproved,
        await keptWorkspaces(engine, plan, previous, { runId, pipeline: basename(loaded.root), log: logger }),
      )
    : undefined;
  const view = process.stdout.isTTY ? new LiveView(process.stdout) : new PrefixedView(process.stdout);
  const logs =
    view instanceof PrefixedView ? teeSinks(new FileLogSink(runDir), view.sink()) : new FileLogSink(runDir);

  const cancel = new AbortController();
  const kill = new AbortController();
  const onSignal = (): void => {
    if (!cancel.signal.aborted) {
      process.stderr.write('\ndockercise: cancelling, stopping containers (again to kill them now)\n');
      cancel.abort();
    } else {
      kill.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Steps' AWS roles, assumed with the user's own credentials; the SDK is loaded only for them.
  const credentialsHost = plan.steps.some((step) => step.awsRole)
    ? await import('@dockercise/agent').then(
        ({ CredentialsHost, userRoleAssumer }) =>
          new CredentialsHost(engine, userRoleAssumer(options.awsProfile), logger),
      )
    : undefined;
  let result: RunResult;
  // Made last, as it leaves a folder to remove (the workspace's `.git`) that only the run's end removes.
  const tree = atCommit
    ? await commitWorkspace(atCommit.top, atCommit.commit)
    : await workingTree(loaded.root);
  try {
    result = await runPlan({
      runId,
      pipeline: basename(loaded.root),
      plan,
      ...(resume ? { resume, attempt: (resume.previous.attempt ?? 1) + 1 } : {}),
      engine,
      store,
      logs,
      concurrency: options.concurrency,
      approvedGates,
      pull: options.pull,
      limits: { ...(memoryBytes ? { memoryBytes } : {}), ...(options.cpus ? { cpus: options.cpus } : {}) },
      outputLimitBytes: options.outputLimit,
      network: options.ownNetwork ? 'own' : 'default',
      // The user's own Docker credentials, as docker pull uses them.
      registryAuth: dockerConfigAuth(),
      ...(credentialsHost
        ? {
            credentials: credentialsHost.forRun({
              runId,
              pipeline: basename(loaded.root),
              repository,
              ...(branch ? { branch } : {}),
              event: options.event,
            }),
          }
        : {}),
      workspace: tree.workspace,
      source: { repository, ...(tree.commit ? { commit: tree.commit } : {}), ...(branch ? { branch } : {}) },
      // Caches by repository (not by folder name) and branch; `--event pull_request` runs on copies.
      cacheScope: { repository, ...(defaultBranch ? { defaultBranch } : {}) },
      context: {
        event: options.event,
        ...(branch ? { branch } : {}),
        ...(options.changed ? { changed: options.changed } : {}),
      },
      cancel: cancel.signal,
      kill: kill.signal,
      onChange: (r) => view.update(r),
      logger,
    });
  } catch (error) {
    view.stop();
    if (error instanceof EngineUnavailableError) {
      process.stderr.write(`dockercise: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await tree.dispose();
    await credentialsHost?.close();
    // After the run, not before it: what earlier runs left never delays this one's start.
    await removeStaleGateWorkspaces(engine, resultsDir).then(
      (stale) => {
        for (const runId of stale)
          logger.info(
            { runId },
            `removed the workspaces run ${runId} kept at its gate for ${GATE_KEEP_DAYS} days`,
          );
      },
      (error: unknown) => logger.warn({ err: error }, "could not remove old runs' gate workspaces"),
    );
  }
  view.stop();

  if (view instanceof LiveView) await printFailedLogs(result, runDir);
  printImageHint(result);
  process.stdout.write(failedTestsText(result.steps));
  const where = relative(process.cwd(), runDir) || runDir;
  process.stdout.write(
    `\nrun ${runId} ${result.status} in ${((result.durationMs ?? 0) / 1000).toFixed(1)}s\nresults: ${where}\n`,
  );
  if (result.status === 'waiting-approval') {
    const waiting = result.gates.filter((g) => g.status === 'waiting').map((g) => g.name);
    const again = waiting.map((gate) => `--approve=${gate.replace(/\.dockercise\.ya?ml$/, '')}`).join(' ');
    const resume = `dockercise run ${relative(process.cwd(), loaded.root) || '.'} --resume ${runId}`;
    process.stdout.write(
      `stopped at the human-click gate of ${waiting.join(', ')}\nto go on: ${resume} --approve (every gate), or ${resume} ${again}\n`,
    );
    return EXIT_WAITING;
  }
  return result.status === 'succeeded' ? 0 : 1;
}

/**
 * Results live beside the pipeline; a `.gitignore` of `*` inside the folder keeps them out of the
 * repository without the user editing theirs (as Python's venv and pytest's cache do).
 */
async function keepOutOfGit(resultsDir: string): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, '.gitignore'), '# dockercise run results\n*\n', { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
}

/** On a terminal the live view shows no logs: show the end of each failed step's log instead. */
async function printFailedLogs(result: RunResult, runDir: string): Promise<void> {
  for (const step of result.steps) {
    if (step.status !== 'failed' && step.status !== 'timed-out') continue;
    const text = await readFile(join(runDir, resultPaths.log(step.name)), 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-20);
    process.stdout.write(`\n--- ${step.name}: last lines of its log ---\n${tail.join('\n')}\n`);
  }
}

/**
 * A machine that reaches no registry (a first try behind a proxy, CI without Docker Hub) fails on
 * the first image: say how to make one from the host's busybox, as the project's CI does.
 */
function printImageHint(result: RunResult): void {
  const missing = new Set(
    result.steps.flatMap(
      (s) => /^image (\S+) is not present and could not be pulled/.exec(s.error ?? '')?.slice(1) ?? [],
    ),
  );
  if (missing.size === 0) return;
  const names = [...missing].join(' ');
  process.stderr.write(
    `dockercise: hint: no registry reachable? make a local image under that name from the host's static busybox: bash scripts/build-busybox-image.sh ${names} (in a checkout of dockercise), or docker load one\n`,
  );
}
