import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { type PlanStep, renderTemplate } from '@dockercise/shared';
import * as tar from 'tar-stream';
import { repackInto } from '../checkout/workspace-source.js';
import type { ContainerEngine } from '../engine/engine.js';
import { type RegistryAuth, registryOf } from '../images/registry-auth.js';
import type { StepLog } from '../logs/log-sink.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';
import type { StepOutcome } from './step-outcome.js';

type PlanBuild = NonNullable<PlanStep['build']>;

export interface BuildRun {
  engine: ContainerEngine;
  registryAuth?: RegistryAuth;
  masker: SecretMasker;
  log: StepLog;
  runId: string;
  /** The text of an earlier step's output (one trailing newline trimmed). */
  outputText(step: string): string;
  /** Aborted at the step's deadline, or when the run is cancelled. */
  signal: AbortSignal;
}

export interface BuildResult {
  outcome: StepOutcome;
  /** The image's reference, the step's output: the first push by digest, else the local id. */
  output?: string;
  built?: { id: string; pushed: string[] };
}

/**
 * A `build:` step: the image built by the engine's own builder from the step's workspace (the
 * checkout, and what steps sharing it through `vol` left), so the step needs no Docker socket and
 * its RUN lines get no privilege, then pushed to each name with that registry's credentials. What
 * the builder prints is the step's log, masked.
 */
export async function runBuildStep(
  step: PlanStep & { build: PlanBuild },
  workspaceVolume: string,
  run: BuildRun,
): Promise<BuildResult> {
  const { build } = step;
  const { engine, log, masker } = run;
  let writing = Promise.resolve();
  const say = (text: string, stream: 'stdout' | 'stderr' = 'stdout'): void => {
    const line = { ts: Date.now(), stream, text: masker.mask(text) };
    writing = writing.then(() => log.write([line]));
  };
  const args = Object.fromEntries(build.args.map((a) => [a.name, renderTemplate(a.value, run.outputText)]));
  let id: string;
  try {
    const carrier = await engine.emptyImage();
    id = await engine.exportVolume(workspaceVolume, carrier, (workspace) =>
      engine.buildImage(
        contextArchive(workspace, build.context),
        {
          dockerfile: build.context === '.' ? build.file : posix.relative(build.context, build.file),
          ...(build.target ? { target: build.target } : {}),
          args,
          labels: { [RUN_LABEL]: run.runId, [STEP_LABEL]: step.name },
        },
        (line) => say(line),
        run.signal,
      ),
    );
  } catch (error) {
    await writing;
    return { outcome: failed(run.signal, buildError(step, (error as Error).message)) };
  }
  const pushed: string[] = [];
  for (const name of build.push) {
    const registry = registryOf(name);
    try {
      const digest = await engine.pushImage(id, name, await run.registryAuth?.credentialsFor(registry));
      const reference = `${name.replace(/:[^/:]+$/, '')}@${digest}`;
      pushed.push(reference);
      say(`pushed ${name} as ${reference}`);
    } catch (error) {
      await writing;
      const how = run.registryAuth?.howToLogIn(registry) ?? 'give the runner credentials for it';
      return {
        outcome: failed(run.signal, `could not push ${name}: ${(error as Error).message}; ${how}`),
        built: { id, pushed },
      };
    }
  }
  await writing;
  return { outcome: { status: 'succeeded', exitCode: 0 }, output: pushed[0] ?? id, built: { id, pushed } };
}

function failed(signal: AbortSignal, error: string): StepOutcome {
  return signal.aborted ? { status: 'cancelled', error: 'cancelled' } : { status: 'failed', error };
}

/** The engine's words as the step's: a missing Dockerfile named by its path in the workspace. */
function buildError(step: PlanStep & { build: PlanBuild }, message: string): string {
  if (/Cannot locate specified Dockerfile|no such file or directory.*Dockerfile/i.test(message))
    return `no Dockerfile at ${step.build.file} in the step's workspace`;
  return `the build failed: ${message}`;
}

/** The workspace's `data/<context>/` entries, at the root of a new archive: what the builder is sent. */
export function contextArchive(workspace: Readable, context: string): Readable {
  const prefix = context === '.' ? 'data/' : `data/${context}/`;
  const pack = tar.pack();
  repackInto(pack, workspace, (entry) => {
    const name = entry.replace(/^\.\//, '');
    return name.startsWith(prefix) && name !== prefix ? name.slice(prefix.length) : undefined;
  }).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error as Error),
  );
  return pack;
}
