import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { SourcePosition } from './diagnostics.js';
import { MAX_TIMEOUT_SECONDS, parseDuration } from './duration.js';
import { closest } from './suggest.js';

/**
 * Readers of a step's fields (and, for `when`, a file's): each reports its problems and gives back
 * the value, or undefined. parse-step's field table calls them.
 */

export const EVENTS = ['push', 'pull_request', 'manual'] as const;
export type RunEvent = (typeof EVENTS)[number];

/** A filter: every list given must match (globs on branch and paths). */
/** Each list optional; `| undefined` because a plan read back through its schema says so. */
export interface When {
  branch?: string[] | undefined;
  event?: RunEvent[] | undefined;
  paths?: string[] | undefined;
}

export interface Retry {
  /** More attempts after the first. */
  count: number;
  /**
   * Only these exit codes are retried; absent, any failure (a timeout too) is. `host-lost` makes
   * runs cut short by a lost host count against `count` (otherwise such a step is re-run once).
   */
  on?: Array<number | typeof HOST_LOST> | undefined;
}

export const MAX_RETRIES = 10;
export const HOST_LOST = 'host-lost';

export interface FieldContext {
  report(pos: SourcePosition, message: string, hint?: string): void;
  posOf(node: Node | null | undefined): SourcePosition;
}

const WHEN_EXAMPLE = 'e.g. when: { branch: [main, "release/*"], event: [push], paths: ["src/**"] }';

export function parseWhen(node: Node, where: string, ctx: FieldContext): When | undefined {
  if (!isMap(node)) {
    ctx.report(ctx.posOf(node), `when ${where} must be a mapping of branch, event and paths`, WHEN_EXAMPLE);
    return undefined;
  }
  const when: When = {};
  let ok = true;
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const texts = textList(pair.value);
    if (key !== 'branch' && key !== 'event' && key !== 'paths') {
      const guess = closest(key, ['branch', 'event', 'paths']);
      ctx.report(
        ctx.posOf(pair.key as Node),
        `unknown filter "${key}" in when ${where}`,
        guess ? `did you mean "${guess}"?` : 'the filters are branch, event and paths',
      );
      ok = false;
      continue;
    }
    if (!texts) {
      ctx.report(ctx.posOf(pair.value), `${key} in when ${where} must be a list of text`, WHEN_EXAMPLE);
      ok = false;
      continue;
    }
    if (key === 'event') {
      const unknown = texts.filter((e) => !(EVENTS as readonly string[]).includes(e));
      if (unknown.length > 0) {
        ctx.report(
          ctx.posOf(pair.value),
          `unknown event ${unknown.map((e) => `"${e}"`).join(', ')} in when ${where}`,
          `the events are ${EVENTS.join(', ')}`,
        );
        ok = false;
        continue;
      }
      when.event = texts as RunEvent[];
    } else {
      when[key] = texts;
    }
  }
  return ok ? when : undefined;
}

export function parseRetry(node: Node, step: string, ctx: FieldContext): Retry | undefined {
  const hint = `write retry: 2, or retry: { count: 2, on: [1, 137] } (at most ${MAX_RETRIES})`;
  const count = (n: Node | null | undefined): number | undefined => {
    if (
      isScalar(n) &&
      typeof n.value === 'number' &&
      Number.isInteger(n.value) &&
      n.value >= 1 &&
      n.value <= MAX_RETRIES
    )
      return n.value;
    ctx.report(ctx.posOf(n), `retry of step "${step}" must be a whole number from 1 to ${MAX_RETRIES}`, hint);
    return undefined;
  };
  if (isScalar(node)) {
    const n = count(node);
    return n === undefined ? undefined : { count: n };
  }
  if (!isMap(node)) {
    ctx.report(ctx.posOf(node), `retry of step "${step}" must be a number or a mapping`, hint);
    return undefined;
  }
  let retry: Retry | undefined;
  let on: Retry['on'];
  let ok = true;
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'count') {
      const n = count(pair.value);
      if (n === undefined) ok = false;
      else retry = { count: n };
    } else if (key === 'on') {
      const items = isSeq(pair.value) ? pair.value.items : [pair.value];
      const codes = items.map((item) => (isScalar(item) ? item.value : undefined));
      const valid = (c: unknown): c is number | typeof HOST_LOST =>
        c === HOST_LOST || (typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= 255);
      if (!codes.every(valid)) {
        ctx.report(
          ctx.posOf(pair.value),
          `retry.on of step "${step}" must list exit codes from 1 to 255, or host-lost`,
          hint,
        );
        ok = false;
      } else {
        on = codes;
      }
    } else {
      ctx.report(ctx.posOf(pair.key as Node), `unknown field "${key}" in retry of step "${step}"`, hint);
      ok = false;
    }
  }
  if (!retry) {
    if (ok) ctx.report(ctx.posOf(node), `retry of step "${step}" has no count`, hint);
    return undefined;
  }
  return ok ? { ...retry, ...(on ? { on } : {}) } : undefined;
}

export function parseImage(node: Node, step: string, ctx: FieldContext): string | undefined {
  if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return node.value.trim();
  ctx.report(ctx.posOf(node), `img of step "${step}" must be an image name`, 'e.g. img: alpine:3.20');
  return undefined;
}

export function parseTimeout(node: Node, step: string, ctx: FieldContext): number | undefined {
  const seconds = isScalar(node) && typeof node.value === 'string' ? parseDuration(node.value) : undefined;
  const hint = 'write it like 90s, 30m, 2h or 1h30m';
  if (seconds === undefined) ctx.report(ctx.posOf(node), `timeout of step "${step}" is not a duration`, hint);
  else if (seconds <= 0)
    ctx.report(ctx.posOf(node), `timeout of step "${step}" must be longer than zero`, hint);
  else if (seconds > MAX_TIMEOUT_SECONDS)
    ctx.report(
      ctx.posOf(node),
      `timeout of step "${step}" is longer than 24h`,
      'split the work into several steps',
    );
  else return seconds;
  return undefined;
}

const CACHE_EXAMPLE = 'e.g. cache: [{ path: /root/.npm, key: "npm-{lock-hash}" }]';

/** `cache`: a list of `{ path, key }`; the path absolute, the key text that may name steps' outputs. */
export function parseCaches<K>(
  node: Node,
  step: string,
  ctx: FieldContext,
  keyOf: (node: Node) => K | undefined,
): Array<{ path: string; key: K }> {
  if (!isSeq(node)) {
    ctx.report(ctx.posOf(node), `cache of step "${step}" must be a list of { path, key }`, CACHE_EXAMPLE);
    return [];
  }
  const caches: Array<{ path: string; key: K }> = [];
  for (const item of node.items as Node[]) {
    if (!isMap(item)) {
      ctx.report(
        ctx.posOf(item),
        `each cache of step "${step}" must be a mapping of path and key`,
        CACHE_EXAMPLE,
      );
      continue;
    }
    const path = (item as YAMLMap<Node, Node>).get('path', true) as Node | undefined;
    const keyNode = (item as YAMLMap<Node, Node>).get('key', true) as Node | undefined;
    for (const pair of (item as YAMLMap<Node, Node | null>).items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (name !== 'path' && name !== 'key')
        ctx.report(
          ctx.posOf(pair.key as Node),
          `unknown field "${name}" in a cache of step "${step}"`,
          CACHE_EXAMPLE,
        );
    }
    if (!isScalar(path) || typeof path.value !== 'string' || !path.value.startsWith('/')) {
      ctx.report(ctx.posOf(path ?? item), `a cache of step "${step}" needs an absolute path`, CACHE_EXAMPLE);
      continue;
    }
    if (!keyNode) {
      ctx.report(ctx.posOf(item), `a cache of step "${step}" needs a key`, CACHE_EXAMPLE);
      continue;
    }
    const key = keyOf(keyNode);
    if (key !== undefined) caches.push({ path: path.value, key });
  }
  return caches;
}

/**
 * A field that is true or false (`allow-failure`, `checkout`); anything else is reported with the
 * hint that shows how to write it.
 */
export function parseFlag(
  field: string,
  node: Node,
  step: string,
  ctx: FieldContext,
  hint: string,
): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  ctx.report(ctx.posOf(node), `${field} of step "${step}" must be true or false`, hint);
  return undefined;
}

/** The largest output a step may ask to keep: outputs are held in memory for the whole run. */
export const MAX_OUTPUT_LIMIT = 64 * 1024 * 1024;
const OUTPUT_LIMIT_HINT = 'write a size like 4m, 512k or 1048576 (bytes), at most 64m';

/** `output-limit: 4m`: the most of the step's stdout kept as its output; in bytes. */
export function parseOutputLimit(node: Node, step: string, ctx: FieldContext): number | undefined {
  const text =
    isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')
      ? String(node.value)
      : '';
  const match = /^(\d+)([kmg]?)$/i.exec(text.trim());
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match?.[2] ?? '').toLowerCase()] ?? 1;
  const bytes = match ? Number(match[1]) * unit : Number.NaN;
  if (bytes >= 1 && bytes <= MAX_OUTPUT_LIMIT) return bytes;
  ctx.report(
    ctx.posOf(node),
    `output-limit of step "${step}" must be a size from 1 byte to 64m`,
    OUTPUT_LIMIT_HINT,
  );
  return undefined;
}

/** A text or a list of texts (numbers read as text: `branch: 2024`). */
function textList(node: Node | null | undefined): string[] | undefined {
  const items = isSeq(node) ? node.items : node ? [node] : [];
  const texts = items.map((item) =>
    isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')
      ? String(item.value)
      : undefined,
  );
  return texts.length > 0 && texts.every((t) => t !== undefined && t !== '')
    ? (texts as string[])
    : undefined;
}

/**
 * An IAM role's ARN in any partition: `arn:aws:iam::123456789012:role/deploy`, a path allowed
 * (`role/ci/deploy`). Names and paths take IAM's own characters (letters, digits, `+=,.@_-`).
 */
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ROLE_ARN_HINT = "write the role's ARN, e.g. aws-role: arn:aws:iam::123456789012:role/deploy";

/** `aws-role: <role ARN>`: the role whose credentials the step gets; `where` names the step or file. */
export function parseAwsRole(node: Node, where: string, ctx: FieldContext): string | undefined {
  const text = isScalar(node) && typeof node.value === 'string' ? node.value.trim() : '';
  if (ROLE_ARN.test(text)) return text;
  const said = isScalar(node) && node.value !== null ? `: ${String(node.value).slice(0, 80)}` : '';
  ctx.report(ctx.posOf(node), `aws-role ${where} must be an IAM role's ARN${said}`, ROLE_ARN_HINT);
  return undefined;
}

/** The most globs a step's `artifacts` may list. */
export const MAX_ARTIFACT_GLOBS = 32;

/**
 * `artifacts: [globs]`: files of the step's workspace kept when it ends (`*` within a folder,
 * `**` across folders, `?` one character), each a path inside the workspace.
 */
export function parseArtifacts(
  node: Node,
  step: string,
  ctx: FieldContext,
  inWorkspace: (text: string) => { path: string } | { problem: string },
): string[] {
  const items = isSeq(node) ? node.items : [node];
  const globs: string[] = [];
  for (const item of items.slice(0, MAX_ARTIFACT_GLOBS)) {
    const itemNode = item as Node;
    const text = isScalar(itemNode) && typeof itemNode.value === 'string' ? itemNode.value.trim() : '';
    const checked = text ? inWorkspace(text) : { problem: 'is empty' };
    if ('path' in checked) globs.push(checked.path);
    else
      ctx.report(
        ctx.posOf(itemNode),
        `artifact ${text || ''} of step "${step}" ${checked.problem}`.replace('artifact  ', 'artifact '),
        'a path or glob inside the step\'s workspace, e.g. artifacts: [dist/*.tar.gz, "reports/**/*.xml"]',
      );
  }
  if (items.length > MAX_ARTIFACT_GLOBS)
    ctx.report(
      ctx.posOf(node),
      `step "${step}" lists ${items.length} artifact globs; at most ${MAX_ARTIFACT_GLOBS}`,
      'match more with ** and fewer globs',
    );
  return globs;
}

/** `reports: { junit: [globs] }`: the step's test reports, read when it ends. */
export function parseReports(
  node: Node,
  step: string,
  ctx: FieldContext,
  inWorkspace: (text: string) => { path: string } | { problem: string },
): { junit: string[] } | undefined {
  const example = 'e.g. reports: { junit: ["reports/**/*.xml"] }';
  if (!isMap(node)) {
    ctx.report(
      ctx.posOf(node),
      `reports of step "${step}" must be a mapping of report kinds to globs`,
      example,
    );
    return undefined;
  }
  let junit: string[] = [];
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const kind = isScalar(pair.key) ? String(pair.key.value) : '';
    if (kind !== 'junit' || !pair.value) {
      ctx.report(
        ctx.posOf(pair.key),
        `unknown report kind "${kind}" in step "${step}"`,
        `the kinds are junit; ${example}`,
      );
      continue;
    }
    junit = parseArtifacts(pair.value, step, ctx, inWorkspace);
  }
  return junit.length > 0 ? { junit } : undefined;
}
