/** A position in a pipeline file, 1-based like editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** One user-facing problem with a pipeline: where, what, and how to fix it. */
export interface Diagnostic extends SourcePosition {
  message: string;
  hint?: string;
}

/** `file:line:col: message` and, on the next line, the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** Thrown where a caller prefers an exception to a result; carries every diagnostic, not just the first. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    options?: ErrorOptions,
  ) {
    super(diagnostics.map(formatDiagnostic).join('\n'), options);
  }
}
