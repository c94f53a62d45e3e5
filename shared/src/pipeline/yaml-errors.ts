import type { YAMLError } from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostics.js';

/**
 * Turns the YAML library's errors into ours: one per place (the library often reports one mistake
 * twice), in our lower-case voice, and pointing at the line to fix rather than the line before it.
 */
export function describeYamlErrors(
  text: string,
  errors: readonly YAMLError[],
  at: (offset: number) => SourcePosition,
): Diagnostic[] {
  const byPlace = new Map<number, Diagnostic>();
  for (const error of errors) {
    const start = error.pos[0];
    if (byPlace.has(start)) continue;
    const nested = overIndented(text, error);
    if (nested) {
      byPlace.set(start, {
        ...at(nested.offset),
        message: `${nested.key} is indented deeper than ${nested.above}, the line above it`,
        hint: `${nested.above} already has a value, so ${nested.key} cannot belong to it: indent ${nested.key} as much as ${nested.above}`,
      });
      continue;
    }
    const quote = unclosedQuote(text, error);
    if (quote) {
      byPlace.set(start, {
        ...at(quote.offset),
        message: `this ${quote.char === '"' ? 'double' : 'single'}-quoted value is never closed`,
        hint: `end it with ${quote.char} on the same line, or write a long command as a block: run: | and the lines below`,
      });
      continue;
    }
    const colon = colonInValue(text, error);
    byPlace.set(
      start,
      colon
        ? {
            ...at(start),
            message: `the value of ${colon} holds ": ", which YAML reads as the start of a mapping`,
            hint: `quote the whole value, like ${colon}: '…', or write it as a block: ${colon}: | and the lines below`,
          }
        : { ...at(start), message: sentence(error.message), hint: yamlHint(error.code) },
    );
  }
  return [...byPlace.values()];
}

/** The line around an offset. */
function lineAt(text: string, offset: number): { start: number; line: string } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return { start, line: text.slice(start, end === -1 ? undefined : end) };
}

/**
 * `run: echo "lint: 3 issues"` reads to YAML as a key inside a value: the value holds ": ". Names
 * the field whose value it is, so the hint can say what to quote.
 */
function colonInValue(text: string, error: YAMLError): string | undefined {
  if (error.code !== 'BLOCK_AS_IMPLICIT_KEY' && error.code !== 'MULTILINE_IMPLICIT_KEY') return undefined;
  const { line } = lineAt(text, error.pos[0]);
  return /^\s*([\w-]+):\s+[^\s'"|>{[].*:\s/.exec(line)?.[1];
}

/**
 * YAML finds a missing closing quote only where the file ends (or the next quote is): the place to
 * fix is where the quote opened, the last value before that which starts with a quote and does not
 * close it on its line.
 */
function unclosedQuote(text: string, error: YAMLError): { offset: number; char: string } | undefined {
  const char = /closing (["'])quote/.exec(error.message)?.[1];
  if (error.code !== 'MISSING_CHAR' || !char) return undefined;
  const lines = text.slice(0, error.pos[0]).split('\n');
  let offset = 0;
  let found: number | undefined;
  for (const line of lines) {
    const value = /^(\s*(?:- )?[\w-]+:\s+|\s*- )(["'])/.exec(line);
    if (value && value[2] === char) {
      const rest = line.slice((value[1]?.length ?? 0) + 1);
      const closes = char === '"' ? /(^|[^\\])"/.test(rest) : rest.includes("'");
      if (!closes) found = offset + (value[1]?.length ?? 0);
    }
    offset += line.length + 1;
  }
  return found === undefined ? undefined : { offset: found, char };
}

/**
 * `img: alpine` followed by a deeper `run: x` reads to YAML as one key spanning two lines. Finds
 * that second line, the key it starts with, and the key of the line above.
 */
function overIndented(
  text: string,
  error: YAMLError,
): { offset: number; key: string; above: string } | undefined {
  if (error.code !== 'MULTILINE_IMPLICIT_KEY' && error.code !== 'BLOCK_AS_IMPLICIT_KEY') return undefined;
  const [start] = error.pos;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', start);
  if (newline === -1) return undefined;
  const above = /^\s*([^\s:#][^:#]*?)\s*:/.exec(text.slice(lineStart, start))?.[1];
  const end = text.indexOf('\n', newline + 1);
  const nextLine = text.slice(newline + 1, end === -1 ? undefined : end);
  const match = /^(\s*)([^\s:#][^:#]*?)\s*:/.exec(nextLine);
  if (!above || !match) return undefined;
  return { offset: newline + 1 + (match[1]?.length ?? 0), key: match[2] ?? '', above };
}

function sentence(message: string): string {
  const first = message.split('\n')[0]?.trim() ?? message;
  return (first.charAt(0).toLowerCase() + first.slice(1)).replace(/\.$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each step name, and each field of a step, may appear once';
    case 'TAB_AS_INDENT':
      return 'YAML indents with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation, and quote values that contain ": " or start with {, [, * or &';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key must fit on one line; check for a missing ":" or indentation on the line before';
    default:
      return 'check the YAML syntax near this position';
  }
}
