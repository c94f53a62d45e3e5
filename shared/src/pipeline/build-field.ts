import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { FileContext } from './file-context.js';
import type { ParsedBuild } from './parsed.js';
import { closest } from './suggest.js';

export const BUILD_FIELDS = ['context', 'file', 'target', 'args', 'push'] as const;
const BUILD_EXAMPLE = 'e.g. build: { context: ., file: Dockerfile, push: [registry.example.com/app:1.0] }';
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/**
 * An image name to push to: `[host[:port]/]path[:tag]`, as Docker's reference grammar has it
 * (lowercase path components; the tag up to 128 characters). A digest cannot be pushed to.
 */
const PUSH_NAME =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/** A path in the workspace, normalised, or why it is not one (absolute, or climbing out of it). */
export function workspacePath(text: string): { path: string } | { problem: string } {
  if (text.startsWith('/')) return { problem: 'is absolute' };
  const parts: string[] = [];
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { problem: 'leaves the workspace' };
      parts.pop();
    } else parts.push(part);
  }
  return { path: parts.join('/') || '.' };
}

/** `build:` of a step: a mapping of context, file, target, args and push, each checked. */
export function parseBuild(node: Node, step: string, ctx: FileContext): ParsedBuild | undefined {
  if (!isMap(node)) {
    ctx.report(ctx.posOf(node), `build of step "${step}" must be a mapping`, BUILD_EXAMPLE);
    return undefined;
  }
  const build: ParsedBuild = { context: '.', file: '', args: [], push: [], refs: [] };
  const where = `of step "${step}"`;
  const path = (value: Node, field: string): string | undefined => {
    const text = isScalar(value) && typeof value.value === 'string' ? value.value.trim() : '';
    const checked = text ? workspacePath(text) : { problem: 'is empty' };
    if ('path' in checked) return checked.path;
    ctx.report(
      ctx.posOf(value),
      `build ${field} ${where} ${checked.problem}${text ? `: ${text}` : ''}`,
      `a path inside the step's workspace (its /workspace), like . or app/`,
    );
    return undefined;
  };
  let file: string | undefined;
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const field = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    const at = ctx.posOf(pair.key);
    if (!(BUILD_FIELDS as readonly string[]).includes(field)) {
      const guess = closest(field, BUILD_FIELDS);
      ctx.report(
        at,
        `unknown field "${field}" in build ${where}`,
        field === 'secrets'
          ? "build secrets need BuildKit's session protocol, which dockercise does not speak yet: pass what the build needs as a file in the workspace, left out of the image"
          : guess
            ? `did you mean "${guess}"?`
            : `the fields are ${BUILD_FIELDS.join(', ')}`,
      );
      continue;
    }
    if (!value || (isScalar(value) && value.value === null)) {
      ctx.report(at, `build ${field} ${where} is empty`, 'give it a value or remove the field');
      continue;
    }
    if (field === 'context') build.context = path(value, 'context') ?? build.context;
    else if (field === 'file') file = path(value, 'file');
    else if (field === 'target') {
      const text = isScalar(value) ? String(value.value) : '';
      if (TARGET.test(text)) build.target = text;
      else
        ctx.report(ctx.posOf(value), `build target ${where} is not a stage name`, 'name a FROM … AS <stage>');
    } else if (field === 'args') parseArgs(value, build, where, ctx);
    else parsePush(value, build, where, ctx);
  }
  build.file = file ?? (build.context === '.' ? 'Dockerfile' : `${build.context}/Dockerfile`);
  // The engine reads the Dockerfile from the context it is sent.
  if (file && build.context !== '.' && !file.startsWith(`${build.context}/`))
    ctx.report(
      ctx.posOf(node),
      `build file of step "${step}" is outside its context: ${file} is not in ${build.context}/`,
      'move the Dockerfile into the context, or widen the context to a folder that holds both',
    );
  return build;
}

function parseArgs(node: Node, build: ParsedBuild, where: string, ctx: FileContext): void {
  if (!isMap(node)) {
    ctx.report(
      ctx.posOf(node),
      `build args ${where} must be a mapping`,
      'e.g. args: { VERSION: "{version}" }',
    );
    return;
  }
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!ARG_NAME.test(name)) {
      ctx.report(ctx.posOf(pair.key), `"${name}" is not a build arg name ${where}`, 'letters, digits and _');
      continue;
    }
    const value = pair.value;
    if (isScalar(value) && (typeof value.value === 'number' || typeof value.value === 'boolean')) {
      build.args.push({ name, value: [String(value.value)] });
      continue;
    }
    const parsed = value ? ctx.templateOf(value, `build arg ${name}`) : undefined;
    if (!parsed) continue;
    build.args.push({ name, value: parsed.template });
    build.refs.push(...parsed.refs);
  }
}

function parsePush(node: Node, build: ParsedBuild, where: string, ctx: FileContext): void {
  for (const item of isSeq(node) ? node.items : [node]) {
    const itemNode = item as Node;
    const text = isScalar(itemNode) && typeof itemNode.value === 'string' ? itemNode.value.trim() : '';
    if (PUSH_NAME.test(text) && text.length <= 255) build.push.push(text);
    else
      ctx.report(
        ctx.posOf(itemNode),
        `build push ${where}: ${text ? `"${text}" is not an image name` : 'must be image names'}`,
        'e.g. push: [registry.example.com/team/app:1.2] (lowercase, a tag after :, no digest)',
      );
  }
}
