import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostics.js';
import type { ParsedCommand, Ref } from './parsed.js';
import type { FieldContext } from './step-options.js';
import { parseTemplate } from './template.js';

export const HUMAN_CLICK = 'human-click';
const QUOTE_BRACES_HINT = 'YAML reads an unquoted {…} as a mapping: put the value in quotes, e.g. "{step}"';

/**
 * What every reader of one pipeline file shares: positions in its text, the diagnostics it
 * collects, and the readers of values several fields have (commands, lists of step names).
 */
export interface FileContext extends FieldContext {
  at(offset: number): SourcePosition;
  posOf(node: Node | null | undefined, fallback?: number): SourcePosition;
  /** A command with `{step}` references, each with its own position; undefined when not one. */
  templateOf(node: Node, what: string): ParsedCommand | undefined;
  /** One step name or a list of them; `human-click` is a gate where `allowHumanClick`. */
  stepNamesOf(node: Node, what: string, allowHumanClick: boolean): { refs: Ref[]; gate?: SourcePosition };
}

export function createFileContext(
  path: string,
  text: string,
  lineCounter: LineCounter,
  diagnostics: Diagnostic[],
): FileContext {
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: path, line, col };
  };
  const posOf = (node: Node | null | undefined, fallback = 0): SourcePosition =>
    at(node?.range?.[0] ?? fallback);
  const report = (pos: SourcePosition, message: string, hint?: string): void => {
    diagnostics.push(hint ? { ...pos, message, hint } : { ...pos, message });
  };

  /** Positions of `{…}` references and problems inside a scalar, found in the scalar's source text. */
  const templateOf = (node: Node, what: string): ParsedCommand | undefined => {
    if (!isScalar(node) || typeof node.value !== 'string') {
      const hint = isMap(node) ? QUOTE_BRACES_HINT : 'write the command as text; use `|` for several lines';
      report(posOf(node), `${what} must be text`, hint);
      return undefined;
    }
    if (node.value.trim() === '') {
      report(posOf(node), `${what} is empty`, 'give a shell command, run with /bin/sh -c');
      return undefined;
    }
    const value: string = node.value;
    const parsed = parseTemplate(value);
    const locate = locator(node);
    const refs: Ref[] = [];
    const items = [
      ...parsed.refs.map((r) => ({ index: r.index, needle: `{${r.name}}`, ref: r.name })),
      ...parsed.problems.map((p) => ({
        index: p.index,
        needle: value.slice(p.index, p.index + 1),
        problem: p,
      })),
    ].sort((a, b) => a.index - b.index);
    for (const item of items) {
      const pos = locate(item.needle);
      if ('ref' in item && item.ref !== undefined) refs.push({ name: item.ref, pos });
      else if ('problem' in item && item.problem)
        report(pos, `${what}: ${item.problem.message}`, item.problem.hint);
    }
    return { template: parsed.parts, refs };
  };

  /** Finds successive needles in a node's source text, falling back to the node's start. */
  const locator = (node: Node) => {
    const start = node.range?.[0] ?? 0;
    const source = text.slice(start, node.range?.[1] ?? start);
    let from = 0;
    return (needle: string): SourcePosition => {
      const found = source.indexOf(needle, from);
      if (found === -1) return at(start);
      from = found + needle.length;
      return at(start + found);
    };
  };

  const stepNamesOf = (
    node: Node,
    what: string,
    allowHumanClick: boolean,
  ): { refs: Ref[]; gate?: SourcePosition } => {
    const items = isSeq(node) ? node.items : [node];
    if (isSeq(node) && node.items.length === 0) {
      report(posOf(node), `${what} is an empty list`, 'name at least one step, or remove the field');
    }
    const refs: Ref[] = [];
    let gate: SourcePosition | undefined;
    for (const item of items) {
      const itemNode = item as Node;
      if (!isScalar(itemNode) || (typeof itemNode.value !== 'string' && typeof itemNode.value !== 'number')) {
        report(
          posOf(itemNode, node.range?.[0]),
          `${what} must be a step name or a list of step names`,
          isMap(itemNode) ? `write the step name without braces: ${what}: step-name` : undefined,
        );
        continue;
      }
      const name = String(itemNode.value);
      if (name === HUMAN_CLICK) {
        if (allowHumanClick) gate = posOf(itemNode);
        else
          report(
            posOf(itemNode),
            `"human-click" is a gate, not a step: it goes in after, not ${what}`,
            "write after: human-click in the step to gate it, or at the top of its file to gate all the file's steps",
          );
        continue;
      }
      refs.push({ name, pos: posOf(itemNode) });
    }
    return gate ? { refs, gate } : { refs };
  };

  return { at, posOf, report, templateOf, stepNamesOf };
}
