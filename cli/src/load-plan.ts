import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { readPipelineSources } from '@dockercise/shared/discover';
import {
  compilePipeline,
  type Diagnostic,
  formatDiagnostic,
  isPipelineFile,
  type PipelineSource,
  type Plan,
} from '@dockercise/shared/language';

export type LoadedPlan =
  | {
      ok: true;
      plan: Plan;
      /** The folder the pipeline belongs to: results go below it, and it names the pipeline. */
      root: string;
    }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Compiles the pipeline under a folder, or the one file given. Diagnostics name files as the user
 * would type them from the current directory; inside the plan, paths stay relative to the folder
 * (they name gates).
 */
export async function loadPlan(target: string): Promise<LoadedPlan> {
  const problem = (message: string, hint: string): LoadedPlan => ({
    ok: false,
    diagnostics: [{ file: target, line: 1, col: 1, message, hint }],
  });
  const info = await stat(target).catch(() => undefined);
  if (!info)
    return problem(
      'no such file or folder',
      'give the folder that holds your *.dockercise.yaml files, or one such file',
    );
  let root: string;
  let sources: PipelineSource[];
  if (info.isFile()) {
    if (!isPipelineFile(target))
      return problem('not a pipeline file', 'pipeline files are named *.dockercise.yaml (or .yml)');
    root = resolve(dirname(target));
    sources = [{ path: basename(target), text: await readFile(target, 'utf8') }];
  } else if (info.isDirectory()) {
    root = resolve(target);
    sources = await readPipelineSources(root);
    if (sources.length === 0)
      return problem(
        'no pipeline files here',
        'pipeline files are named *.dockercise.yaml (or .yml), anywhere below this folder',
      );
  } else {
    return problem('not a pipeline file', 'give a folder, or a file named *.dockercise.yaml (or .yml)');
  }
  return compileAt(root, sources);
}

/** Compiles the pipeline of a folder from these files, its diagnostics named as the user would type them. */
export function compileAt(root: string, sources: readonly PipelineSource[]): LoadedPlan {
  const compiled = compilePipeline(sources);
  if (compiled.ok) return { ok: true, plan: compiled.plan, root };
  // Relative to where the user stands, so the path can be opened as printed; absolute when outside.
  const fromHere = relative(process.cwd(), root);
  const shown = fromHere.startsWith('..') ? root : fromHere;
  return {
    ok: false,
    diagnostics: compiled.diagnostics.map((d) => ({ ...d, file: shown ? join(shown, d.file) : d.file })),
  };
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], err: NodeJS.WritableStream): void {
  err.write(`${diagnostics.map(formatDiagnostic).join('\n')}\n`);
  err.write(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} found\n`);
}
