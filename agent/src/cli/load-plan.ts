import { stat } from 'node:fs/promises';
import { compilePipeline, type Diagnostic, formatDiagnostic, type Plan } from '@dockercise/shared';
import { readPipelineSources } from '@dockercise/shared/node';

export type LoadedPlan = { ok: true; plan: Plan } | { ok: false; diagnostics: Diagnostic[] };

/** Discovers and compiles the pipeline under `dir`; a missing directory is a diagnostic too. */
export async function loadPlan(dir: string): Promise<LoadedPlan> {
  const problem = (message: string, hint: string): LoadedPlan => ({
    ok: false,
    diagnostics: [{ file: dir, line: 1, col: 1, message, hint }],
  });
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    return problem('no such directory', 'give the folder that holds your *.dockercise.yaml files');
  const sources = await readPipelineSources(dir);
  if (sources.length === 0) {
    return problem(
      'no pipeline files here',
      'pipeline files are named *.dockercise.yaml (or .yml), anywhere below this folder',
    );
  }
  const compiled = compilePipeline(sources);
  return compiled.ok ? { ok: true, plan: compiled.plan } : { ok: false, diagnostics: compiled.diagnostics };
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], err: NodeJS.WritableStream): void {
  err.write(`${diagnostics.map(formatDiagnostic).join('\n')}\n`);
  err.write(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} found\n`);
}
