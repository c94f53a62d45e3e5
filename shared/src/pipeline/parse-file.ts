import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type YAMLMap } from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostics.js';
import { DEFAULT_TIMEOUT_SECONDS } from './duration.js';
import { parseEnv } from './env-field.js';
import type { ParsedCommand, ParsedFile, ParsedStep, Ref } from './parsed.js';
import {
  type FieldContext,
  parseAllowFailure,
  parseCaches,
  parseImage,
  parseRetry,
  parseSecret,
  parseTimeout,
  parseWhen,
} from './step-options.js';
import { closest } from './suggest.js';
import { parseTemplate, STEP_NAME } from './template.js';
import { describeYamlErrors } from './yaml-errors.js';

export type { ParsedCommand, ParsedEnv, ParsedFile, ParsedStep, Ref } from './parsed.js';

export const HUMAN_CLICK = 'human-click';
export const STEP_FIELDS = [
  'img',
  'run',
  'done',
  'env',
  'vol',
  'after',
  'timeout',
  'secret',
  'when',
  'retry',
  'allow-failure',
  'cache',
] as const;
type StepField = (typeof STEP_FIELDS)[number];
export const MAX_STEP_NAME_LENGTH = 63;

/** Other CI tools' names for our fields: a user coming from them gets the right name at once. */
const FIELD_ALIASES: Record<string, { field: (typeof STEP_FIELDS)[number]; where: string }> = {
  image: { field: 'img', where: 'Compose, GitLab CI and Woodpecker' },
  command: { field: 'run', where: 'Compose and Buildkite' },
  commands: { field: 'run', where: 'Woodpecker and Buildkite' },
  script: { field: 'run', where: 'GitLab CI' },
  environment: { field: 'env', where: 'Compose and GitLab CI' },
  variables: { field: 'env', where: 'GitLab CI' },
  volumes: { field: 'vol', where: 'Compose' },
  needs: { field: 'after', where: 'GitHub Actions and GitLab CI' },
  depends_on: { field: 'after', where: 'Compose and Woodpecker' },
  timeout_in_minutes: { field: 'timeout', where: 'Buildkite' },
};

const STEP_EXAMPLE = 'a step looks like:  build: { img: alpine, run: "make" }';
const QUOTE_BRACES_HINT = 'YAML reads an unquoted {…} as a mapping: put the value in quotes, e.g. "{step}"';

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

  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: path, line, col };
  };
  const posOf = (node: Node | null | undefined, fallback = 0): SourcePosition =>
    at(node?.range?.[0] ?? fallback);
  const report = (pos: SourcePosition, message: string, hint?: string): void => {
    diagnostics.push(hint ? { ...pos, message, hint } : { ...pos, message });
  };
  const fields: FieldContext = { report, posOf: (node) => posOf(node) };

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
            '`after: human-click` belongs at the top level of a file, not in a step',
            'put `after: human-click` at the top of the file to gate all its steps; move the steps to gate into a file of their own',
          );
        continue;
      }
      refs.push({ name, pos: posOf(itemNode) });
    }
    return gate ? { refs, gate } : { refs };
  };

  const parseStep = (name: string, keyPos: SourcePosition, node: Node | null): ParsedStep | undefined => {
    if (!node || (isScalar(node) && node.value === null)) {
      report(
        keyPos,
        `step "${name}" has no fields`,
        'a step needs img and run, e.g. img: alpine and run: "echo hello"',
      );
      return undefined;
    }
    if (!isMap(node)) {
      report(posOf(node), `step "${name}" must be a mapping with img and run`, STEP_EXAMPLE);
      return undefined;
    }
    const step: ParsedStep = {
      name,
      pos: keyPos,
      env: [],
      vol: [],
      after: [],
      timeout: DEFAULT_TIMEOUT_SECONDS,
      secret: false,
      cache: [],
    };
    /** Fields an unknown field was probably meant to be: not reported missing a second time. */
    const meant = new Set<string>();
    const given = new Map<string, SourcePosition>();
    /** How each field is read into the step: the type asks for one reader per field of STEP_FIELDS. */
    const readField: Record<StepField, (value: Node) => void> = {
      img: (value) => {
        const image = parseImage(value, name, fields);
        if (image) step.img = image;
      },
      run: (value) => {
        const command = templateOf(value, 'run');
        if (command) step.run = command;
      },
      done: (value) => {
        const command = templateOf(value, 'done');
        if (command) step.done = command;
      },
      env: (value) => {
        step.env = parseEnv(value, name, { report, posOf, templateOf });
      },
      vol: (value) => {
        step.vol = stepNamesOf(value, 'vol', false).refs;
      },
      after: (value) => {
        step.after = stepNamesOf(value, 'after', false).refs;
      },
      timeout: (value) => {
        const seconds = parseTimeout(value, name, fields);
        if (seconds !== undefined) step.timeout = seconds;
      },
      secret: (value) => {
        const secret = parseSecret(value, name, fields);
        if (secret !== undefined) step.secret = secret;
      },
      when: (value) => {
        const when = parseWhen(value, `of step "${name}"`, fields);
        if (when) step.when = when;
      },
      retry: (value) => {
        const retry = parseRetry(value, name, fields);
        if (retry) step.retry = retry;
      },
      cache: (value) => {
        step.cache = parseCaches(value, name, fields, (node) => templateOf(node, 'cache key'));
      },
      'allow-failure': (value) => {
        const allowed = parseAllowFailure(value, name, fields);
        if (allowed !== undefined) step.allowFailure = allowed;
      },
    };
    for (const pair of (node as YAMLMap<Node, Node | null>).items) {
      const keyNode = pair.key;
      const field = isScalar(keyNode) ? String(keyNode.value) : '';
      const fieldPos = posOf(keyNode, node.range?.[0]);
      const value = pair.value;
      const first = given.get(field);
      if (first) {
        report(
          fieldPos,
          `${field} is given twice in step "${name}"`,
          `first given at line ${first.line}; keep one`,
        );
        continue;
      }
      given.set(field, fieldPos);
      if (!(STEP_FIELDS as readonly string[]).includes(field)) {
        const alias = Object.hasOwn(FIELD_ALIASES, field) ? FIELD_ALIASES[field] : undefined;
        const guess = alias?.field ?? closest(field, STEP_FIELDS);
        if (guess) meant.add(guess);
        report(
          fieldPos,
          `unknown field "${field}" in step "${name}"`,
          alias
            ? `did you mean "${alias.field}"? (${field} is ${alias.where}'s spelling)`
            : guess
              ? `did you mean "${guess}"?`
              : `the fields are ${STEP_FIELDS.join(', ')}`,
        );
        continue;
      }
      if (!value || (isScalar(value) && value.value === null)) {
        report(
          fieldPos,
          `${field} of step "${name}" is empty`,
          field === 'img' ? 'name an image, e.g. img: alpine:3.20' : 'give it a value or remove the field',
        );
        continue;
      }
      readField[field as StepField](value);
    }
    if (step.img === undefined && !hasField(node, 'img') && !meant.has('img'))
      report(keyPos, `step "${name}" has no img`, 'name the image to run, e.g. img: alpine:3.20');
    if (step.run === undefined && !hasField(node, 'run') && !meant.has('run'))
      report(keyPos, `step "${name}" has no run`, 'give the shell command to run, e.g. run: "make test"');
    return step;
  };

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
      const when = pair.value ? parseWhen(pair.value, 'of this file', fields) : undefined;
      if (!pair.value) report(keyPos, 'when is empty', 'give the filters, e.g. when: { branch: [main] }');
      if (when) file.when = when;
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
    const step = parseStep(name, keyPos, pair.value);
    if (step) file.steps.push(step);
  }
  return { file, diagnostics };
}

function hasField(node: YAMLMap, field: string): boolean {
  return node.items.some((pair) => isScalar(pair.key) && pair.key.value === field);
}
