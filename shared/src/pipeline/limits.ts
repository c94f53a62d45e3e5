import type { Diagnostic } from './diagnostics.js';

/**
 * What a pipeline may be. Compiling runs on the control plane for every tenant's push, so its
 * cost must be bounded before it starts: these are far above any real pipeline and far below what
 * would stall a server (a 20,000-step file once took 9–23 s).
 */
export const PIPELINE_LIMITS = {
  fileBytes: 256 * 1024,
  files: 64,
  totalBytes: 1024 * 1024,
  steps: 500,
} as const;

const kib = (bytes: number): string => `${Math.ceil(bytes / 1024)} KiB`;

/**
 * Checks the sizes of a pipeline's files before any is parsed (a file over the limit is not read at
 * all). Also used on GitHub's tree, before any file is fetched.
 */
export function checkPipelineSizes(files: ReadonlyArray<{ path: string; bytes: number }>): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (file: string, message: string, hint: string): void => {
    problems.push({ file, line: 1, col: 1, message, hint });
  };
  if (files.length > PIPELINE_LIMITS.files)
    at(
      '.',
      `${files.length} pipeline files; a pipeline may have at most ${PIPELINE_LIMITS.files}`,
      'merge small files, or move pipelines you do not run into another repository',
    );
  let total = 0;
  for (const file of files) {
    total += file.bytes;
    if (file.bytes > PIPELINE_LIMITS.fileBytes)
      at(
        file.path,
        `the file is ${kib(file.bytes)}; a pipeline file may be at most ${kib(PIPELINE_LIMITS.fileBytes)}`,
        'split it into several *.dockercise.yaml files',
      );
  }
  if (total > PIPELINE_LIMITS.totalBytes)
    at(
      '.',
      `the pipeline files come to ${kib(total)}; together they may be at most ${kib(PIPELINE_LIMITS.totalBytes)}`,
      'move long scripts into the repository and run them from the steps',
    );
  return problems;
}
