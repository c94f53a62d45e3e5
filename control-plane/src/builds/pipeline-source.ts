import {
  type CompileResult,
  checkPipelineSizes,
  compilePipeline,
  type Diagnostic,
  formatDiagnostic,
  type PipelineSource as PipelineText,
  type Plan,
} from '@dockercise/shared';

/** A pipeline file found at a commit, known by its size before it is read. */
export interface PipelineFile {
  path: string;
  bytes: number;
}

/**
 * Where a run's pipeline comes from: a GitHub repository at a pushed commit (GitHubSource) or a
 * local repository's commit (LocalGitSource). Both feed compileSource, so a hosted push and
 * `dockercise trigger` find, limit and compile the same files with the same errors.
 */
export interface PipelineSource {
  /** `acme/app at 1a2b3c4`: where the pipeline was looked for, in the error when none is found. */
  readonly description: string;
  /** The `*.dockercise.yaml` files at the commit, without reading them. */
  pipelineFiles(): Promise<PipelineFile[]>;
  read(file: PipelineFile): Promise<string>;
}

/** `empty`: the commit has no pipeline file at all (a push to such a branch builds nothing). */
export type CompiledPipeline = { ok: true; plan: Plan } | { ok: false; errors: string[]; empty?: true };

export type Compile = (sources: PipelineText[]) => Promise<CompileResult>;

/** How many files are read at once: GitHub asks integrations not to hammer it in parallel. */
const READ_CONCURRENCY = 4;

/**
 * The source's pipeline, compiled. Sizes are checked before any file is read, so a pipeline past
 * the limits costs no reads; a commit without a pipeline file is an invalid pipeline, not a fault.
 */
export async function compileSource(
  source: PipelineSource,
  compile: Compile = async (texts) => compilePipeline(texts),
): Promise<CompiledPipeline> {
  const files = await source.pipelineFiles();
  if (files.length === 0)
    return {
      ok: false,
      empty: true,
      errors: [`no *.dockercise.yaml file is committed in ${source.description}`],
    };
  const oversized = checkPipelineSizes(files);
  if (oversized.length > 0) return invalid(oversized);
  const texts = await mapLimit(files, READ_CONCURRENCY, async (file) => ({
    path: file.path,
    text: await source.read(file),
  }));
  const compiled = await compile(texts);
  return compiled.ok ? { ok: true, plan: compiled.plan } : invalid(compiled.diagnostics);
}

function invalid(diagnostics: readonly Diagnostic[]): CompiledPipeline {
  return { ok: false, errors: diagnostics.map(formatDiagnostic) };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What a compiled pipeline makes of its run: recorded with its plan, or invalid with its errors. */
export function runOutcome(
  compiled: CompiledPipeline,
): { status: 'recorded'; plan: Plan } | { status: 'invalid'; errors: string[] } {
  return compiled.ok
    ? { status: 'recorded', plan: compiled.plan }
    : { status: 'invalid', errors: compiled.errors };
}
