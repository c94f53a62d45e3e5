import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { SourcePosition } from './diagnostics.js';
import type { ParsedCommand, ParsedEnv } from './parsed.js';
import { envNameFor } from './plan.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What env parsing needs of the file's parser: reporting, positions, and `{step}` templates. */
export interface EnvContext {
  report(pos: SourcePosition, message: string, hint?: string): void;
  posOf(node: Node | null | undefined, fallback?: number): SourcePosition;
  templateOf(node: Node, what: string): ParsedCommand | undefined;
}

/**
 * A step's `env`: a list of step names (or one), each giving its output as a variable, or a
 * mapping of names to text with `{step}` references. Each name at most once.
 */
export function parseEnv(
  node: Node,
  stepName: string,
  { report, posOf, templateOf }: EnvContext,
): ParsedEnv[] {
  const env: ParsedEnv[] = [];
  const single = isScalar(node) && typeof node.value === 'string';
  if (isSeq(node) || single) {
    // One step name is a list of one, as for vol and after.
    for (const item of isSeq(node) ? node.items : [node]) {
      const itemNode = item as Node;
      if (!isScalar(itemNode) || typeof itemNode.value !== 'string') {
        report(
          posOf(itemNode, node.range?.[0]),
          'each item of an env list must be a step name',
          'use a mapping to set variables: env: { NAME: "text with {step}" }',
        );
        continue;
      }
      const ref = itemNode.value;
      const name = envNameFor(ref);
      if (!ENV_NAME.test(name)) {
        report(
          posOf(itemNode),
          `step "${ref}" gives the variable name ${name}, which is not a valid name`,
          `use the mapping form to name it: env: { MY_NAME: "{${ref}}" }`,
        );
        continue;
      }
      env.push({
        name,
        value: [{ ref }],
        refs: [{ name: ref, pos: posOf(itemNode) }],
        pos: posOf(itemNode),
        listed: true,
      });
    }
  } else if (isMap(node)) {
    for (const pair of (node as YAMLMap<Node, Node | null>).items) {
      const keyNode = pair.key;
      const name = isScalar(keyNode) ? String(keyNode.value) : '';
      const keyPos = posOf(keyNode, node.range?.[0]);
      if (!ENV_NAME.test(name)) {
        report(
          keyPos,
          `"${name}" is not a valid environment variable name`,
          'use letters, digits and _, not starting with a digit, e.g. DEPLOY_TARGET',
        );
        continue;
      }
      if (name.startsWith('DOCKERCISE_')) {
        report(
          keyPos,
          `${name} is reserved: dockercise sets DOCKERCISE_* variables itself`,
          'choose another name',
        );
        continue;
      }
      const value = pair.value;
      if (
        isMap(value) &&
        value.flow &&
        value.items.length === 1 &&
        isScalar(value.items[0]?.key) &&
        value.items[0]?.value == null
      ) {
        // `NAME: {step}` unquoted: YAML reads a one-key mapping; we take it as the reference it was meant to be.
        const refName = String((value.items[0].key as { value: unknown }).value);
        env.push({
          name,
          value: [{ ref: refName }],
          refs: [{ name: refName, pos: posOf(value.items[0].key as Node) }],
          pos: keyPos,
        });
        continue;
      }
      if (isScalar(value) && (typeof value.value === 'number' || typeof value.value === 'boolean')) {
        env.push({ name, value: [String(value.value)], refs: [], pos: keyPos });
        continue;
      }
      if (!value || !isScalar(value) || typeof value.value !== 'string') {
        report(
          posOf(value, pair.key ? (keyNode as Node).range?.[0] : 0),
          `env ${name} must be text`,
          'e.g. env: { TARGET: "prod", TOKEN: "{token-step}" }',
        );
        continue;
      }
      const parsed = templateOf(value, `env ${name}`);
      if (parsed) env.push({ name, value: parsed.template, refs: parsed.refs, pos: keyPos });
    }
  } else {
    report(
      posOf(node),
      `env of step "${stepName}" must be a list of step names or a mapping of variables`,
      'e.g. env: [access-key-id] or env: { TARGET: "{deploy-target}" }',
    );
  }
  const seen = new Map<string, SourcePosition>();
  for (const entry of env) {
    const earlier = seen.get(entry.name);
    if (earlier)
      report(
        entry.pos,
        `variable ${entry.name} is set twice in step "${stepName}"`,
        `first set at line ${earlier.line}`,
      );
    else seen.set(entry.name, entry.pos);
  }
  return env;
}
