import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { parseDuration } from './duration.js';
import type { FieldContext } from './step-options.js';
import { closest } from './suggest.js';
import { STEP_NAME } from './template.js';

/** A container beside a step, on the step's own network, reachable by its name. */
export interface PlanService {
  name: string;
  img: string;
  /** Literal values: a service sees no step outputs. */
  env: Array<{ name: string; value: string }>;
  /** The command, through /bin/sh -c; the image's own when absent. */
  run?: string | undefined;
  /** Run inside the service until it exits 0: the step starts only then. */
  ready?: string | undefined;
  /** Seconds the service has to become ready. */
  readyTimeout: number;
}

export const SERVICE_FIELDS = ['img', 'env', 'run', 'ready', 'ready-timeout'] as const;
export const MAX_SERVICES = 8;
export const DEFAULT_READY_TIMEOUT_SECONDS = 60;
const MAX_READY_TIMEOUT_SECONDS = 60 * 60;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXAMPLE =
  'e.g. services: { db: { img: postgres:16, env: { POSTGRES_PASSWORD: test }, ready: pg_isready } }';

/** `services`: a mapping of names to services, each with an image and optionally env, run, ready. */
export function parseServices(node: Node, step: string, ctx: FieldContext): PlanService[] {
  if (!isMap(node)) {
    ctx.report(ctx.posOf(node), `services of step "${step}" must be a mapping of names to services`, EXAMPLE);
    return [];
  }
  const pairs = (node as YAMLMap<Node, Node | null>).items;
  if (pairs.length > MAX_SERVICES)
    ctx.report(
      ctx.posOf(node),
      `step "${step}" has ${pairs.length} services; a step may have at most ${MAX_SERVICES}`,
      'split the tests into steps that each need fewer services',
    );
  const services: PlanService[] = [];
  const seen = new Set<string>();
  for (const pair of pairs.slice(0, MAX_SERVICES)) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const at = ctx.posOf(pair.key);
    if (!STEP_NAME.test(name) || name.length > 63) {
      ctx.report(
        at,
        `"${name}" is not a valid service name in step "${step}"`,
        'service names are what the step reaches them by: lowercase letters, digits, - and _',
      );
      continue;
    }
    if (seen.has(name)) {
      ctx.report(at, `service "${name}" is given twice in step "${step}"`, 'keep one');
      continue;
    }
    seen.add(name);
    const service = parseService(pair.value, name, step, at, ctx);
    if (service) services.push(service);
  }
  return services;
}

function parseService(
  node: Node | null,
  name: string,
  step: string,
  at: ReturnType<FieldContext['posOf']>,
  ctx: FieldContext,
): PlanService | undefined {
  const what = `service "${name}" of step "${step}"`;
  if (!isMap(node)) {
    ctx.report(node ? ctx.posOf(node) : at, `${what} must be a mapping with img`, EXAMPLE);
    return undefined;
  }
  const service: PlanService = { name, img: '', env: [], readyTimeout: DEFAULT_READY_TIMEOUT_SECONDS };
  let ok = true;
  const fail = (where: Node | null | undefined, message: string, hint: string): void => {
    ctx.report(ctx.posOf(where ?? node), message, hint);
    ok = false;
  };
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const field = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    const text = isScalar(value) && typeof value.value === 'string' ? value.value.trim() : '';
    switch (field) {
      case 'img':
        if (!text || /\s/.test(text))
          fail(value, `img of ${what} must be an image name`, 'e.g. img: postgres:16');
        else service.img = text;
        break;
      case 'run':
      case 'ready':
        if (!text)
          fail(value, `${field} of ${what} must be a shell command`, 'e.g. ready: pg_isready -U postgres');
        else service[field] = text;
        break;
      case 'ready-timeout': {
        const seconds = text ? parseDuration(text) : undefined;
        if (seconds === undefined || seconds <= 0 || seconds > MAX_READY_TIMEOUT_SECONDS)
          fail(value, `ready-timeout of ${what} must be a duration up to 1h`, 'e.g. ready-timeout: 90s');
        else service.readyTimeout = seconds;
        break;
      }
      case 'env': {
        const env = serviceEnv(value);
        if (!env)
          fail(
            value,
            `env of ${what} must be a mapping of NAME: value`,
            'e.g. env: { POSTGRES_PASSWORD: test }',
          );
        else service.env = env;
        break;
      }
      default: {
        const guess = field === 'image' ? 'img' : closest(field, SERVICE_FIELDS);
        fail(
          pair.key as Node,
          `unknown field "${field}" in ${what}`,
          guess ? `did you mean "${guess}"?` : `the fields are ${SERVICE_FIELDS.join(', ')}`,
        );
      }
    }
  }
  if (!service.img && !(node as YAMLMap).has('img')) {
    ctx.report(at, `${what} has no img`, 'e.g. img: postgres:16');
    ok = false;
  }
  return ok ? service : undefined;
}

/** NAME: value pairs, values read as text (`PORT: 5432` is "5432"); undefined when not such a mapping. */
function serviceEnv(node: Node | null): PlanService['env'] | undefined {
  if (!isMap(node)) return undefined;
  const env: PlanService['env'] = [];
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    if (!ENV_NAME.test(name) || !isScalar(value) || value.value === null || typeof value.value === 'object')
      return undefined;
    env.push({ name, value: String(value.value) });
  }
  return env;
}
