import { isMap, isScalar, LineCounter, type Node, parseAllDocuments, type YAMLMap } from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostics.js';
import { createFileContext, HUMAN_CLICK } from './file-context.js';
import { MAX_STEP_NAME_LENGTH, parseStep, STEP_EXAMPLE } from './parse-step.js';
import type { ParsedFile } from './parsed.js';
import { parseAwsRole, parseWhen } from './step-options.js';
import { STEP_NAME } from './template.js';
import { describeYamlErrors } from './yaml-errors.js';

export { HUMAN_CLICK } from './file-context.js';
export { MAX_STEP_NAME_LENGTH, STEP_FIELDS } from './parse-step.js';
export type { ParsedCommand, ParsedEnv, ParsedFile, ParsedStep, Ref } from './parsed.js';

/**
 * Reads one pipeline file into steps with source positions. Reports every problem it can find
 * in the file; references to other steps are checked later, once all files are merged.
 */
export function parsePipelineFile(
  path: string,
  text: string,
): { file: ParsedFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const file: ParsedFile = { path, steps: [], after: [] };

  const ctx = createFileContext(path, text, lineCounter, diagnostics);
  const { at, posOf, report, stepNamesOf } = ctx;

  // The library's own unique-keys check compares every key with every other (quadratic); keys are
  // checked below, in one pass with a map.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [];
  const yamlErrors = list.flatMap((doc) => doc.errors);
  if (yamlErrors.length > 0) return { file, diagnostics: describeYamlErrors(text, yamlErrors, at) };

  const [doc, second] = list;
  if (second) {
    report(
      posOf(second.contents, second.range[0]),
      'a pipeline file holds one YAML document',
      'remove the second `---`, or move those steps to a file of their own',
    );
  }
  const root = doc?.contents;
  if (!root || (isScalar(root) && (root.value === null || root.value === ''))) {
    report(at(0), 'this file defines no steps', STEP_EXAMPLE);
    return { file, diagnostics };
  }
  if (!isMap(root)) {
    report(posOf(root), 'a pipeline file must be a mapping of step names to steps', STEP_EXAMPLE);
    return { file, diagnostics };
  }

  const defined = new Map<string, SourcePosition>();
  for (const pair of (root as YAMLMap<Node, Node | null>).items) {
    const keyNode = pair.key;
    const keyPos = posOf(keyNode, root.range?.[0]);
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      report(keyPos, 'a step name must be plain text', STEP_EXAMPLE);
      continue;
    }
    const name = String(keyNode.value);
    const first = defined.get(name);
    if (first) {
      report(
        keyPos,
        name === 'after'
          ? 'after is given twice in this file'
          : `step "${name}" is defined twice in this file`,
        `first at line ${first.line}; each step name may appear once`,
      );
      continue;
    }
    defined.set(name, keyPos);
    if (name === 'when') {
      const when = pair.value ? parseWhen(pair.value, 'of this file', ctx) : undefined;
      if (!pair.value) report(keyPos, 'when is empty', 'give the filters, e.g. when: { branch: [main] }');
      if (when) file.when = when;
      continue;
    }
    // A file's own `aws-role` and `checkout` are scalars; a mapping under those names is a step.
    if ((name === 'aws-role' || name === 'checkout') && pair.value && !isMap(pair.value)) {
      if (name === 'aws-role') {
        const role = parseAwsRole(pair.value, 'of this file', ctx);
        if (role) file.awsRole = role;
      } else if (isScalar(pair.value) && pair.value.value === false) {
        file.checkout = false;
      } else if (!isScalar(pair.value) || pair.value.value !== true) {
        report(
          posOf(pair.value),
          'checkout of this file must be true or false',
          'write checkout: false for workspaces without the repository',
        );
      }
      continue;
    }
    if (name === 'after') {
      const value = pair.value;
      if (!value || (isScalar(value) && value.value === null)) {
        report(keyPos, 'after is empty', 'use after: human-click, or name the steps this file waits for');
        continue;
      }
      const { refs, gate } = stepNamesOf(value, 'after', true);
      file.after = refs;
      if (gate) file.gate = gate;
      continue;
    }
    if (!STEP_NAME.test(name)) {
      const fixed = name
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^[-_]+/, '');
      report(
        keyPos,
        `"${name}" is not a valid step name`,
        `step names are lowercase letters, digits, - and _, starting with a letter or digit${fixed && STEP_NAME.test(fixed) ? `: try "${fixed}"` : ''}`,
      );
      continue;
    }
    if (name.length > MAX_STEP_NAME_LENGTH) {
      report(
        keyPos,
        `step name "${name.slice(0, 20)}…" is longer than ${MAX_STEP_NAME_LENGTH} characters`,
        'choose a shorter name',
      );
      continue;
    }
    if (name === HUMAN_CLICK) {
      report(keyPos, '"human-click" is reserved for gates and cannot name a step', 'choose another name');
      continue;
    }
    const step = parseStep(name, keyPos, pair.value, ctx);
    if (step) file.steps.push(step);
  }
  return { file, diagnostics };
}
