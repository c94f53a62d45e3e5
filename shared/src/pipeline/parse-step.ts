import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { parseBuild, workspacePath } from './build-field.js';
import type { SourcePosition } from './diagnostics.js';
import { DEFAULT_TIMEOUT_SECONDS } from './duration.js';
import { parseEnv } from './env-field.js';
import type { FileContext } from './file-context.js';
import type { ParsedStep } from './parsed.js';
import { parseServices } from './services-field.js';
import {
  parseArtifacts,
  parseAwsRole,
  parseCaches,
  parseFlag,
  parseImage,
  parseOutputLimit,
  parseReports,
  parseRetry,
  parseTimeout,
  parseWhen,
} from './step-options.js';
import { closest } from './suggest.js';

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
  'services',
  'checkout',
  'output-limit',
  'aws-role',
  'build',
  'artifacts',
  'reports',
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

/** What a `build:` step cannot have: it runs no container of its own. */
const NOT_IN_BUILD_STEPS = [
  'img',
  'run',
  'done',
  'env',
  'secret',
  'cache',
  'services',
  'output-limit',
] as const;
/** `{step}` as a whole image name. */
const IMAGE_REF = /^\{([a-z0-9][a-z0-9_-]*)\}$/;

export const STEP_EXAMPLE = 'a step looks like:  build: { img: alpine, run: "make" }';

/** One step's mapping of fields, read with every problem reported; undefined when it is not one. */
export function parseStep(
  name: string,
  keyPos: SourcePosition,
  node: Node | null,
  ctx: FileContext,
): ParsedStep | undefined {
  const { report, posOf, templateOf, stepNamesOf } = ctx;
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
    services: [],
  };
  /** Fields an unknown field was probably meant to be: not reported missing a second time. */
  const meant = new Set<string>();
  const given = new Map<string, SourcePosition>();
  /** How each field is read into the step: the type asks for one reader per field of STEP_FIELDS. */
  const readField: Record<StepField, (value: Node) => void> = {
    img: (value) => {
      const image = parseImage(value, name, ctx);
      if (!image) return;
      step.img = image;
      // `img: "{build}"`: the image a build step made, which makes that step a dependency.
      const built = IMAGE_REF.exec(image)?.[1];
      if (built) step.imageRef = { name: built, pos: ctx.posOf(value) };
    },
    reports: (value) => {
      const reports = parseReports(value, name, ctx, workspacePath);
      if (reports) step.reports = reports;
    },
    artifacts: (value) => {
      step.artifacts = parseArtifacts(value, name, ctx, workspacePath);
    },
    build: (value) => {
      const build = parseBuild(value, name, ctx);
      if (build) step.build = build;
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
      const { refs, gate } = stepNamesOf(value, 'after', true);
      step.after = refs;
      if (gate) step.gate = gate;
    },
    timeout: (value) => {
      const seconds = parseTimeout(value, name, ctx);
      if (seconds !== undefined) step.timeout = seconds;
    },
    secret: (value) => {
      const secret = parseFlag(
        'secret',
        value,
        name,
        ctx,
        'write secret: true (YAML 1.2 reads yes/no as text)',
      );
      if (secret !== undefined) step.secret = secret;
    },
    when: (value) => {
      const when = parseWhen(value, `of step "${name}"`, ctx);
      if (when) step.when = when;
    },
    retry: (value) => {
      const retry = parseRetry(value, name, ctx);
      if (retry) step.retry = retry;
    },
    cache: (value) => {
      step.cache = parseCaches(value, name, ctx, (node) => templateOf(node, 'cache key'));
    },
    services: (value) => {
      step.services = parseServices(value, name, ctx);
    },
    'allow-failure': (value) => {
      const allowed = parseFlag('allow-failure', value, name, ctx, 'write allow-failure: true');
      if (allowed !== undefined) step.allowFailure = allowed;
    },
    checkout: (value) => {
      const wanted = parseFlag(
        'checkout',
        value,
        name,
        ctx,
        'write checkout: false for a workspace without the repository',
      );
      // `checkout: false` starts the step's workspace empty instead of holding the repository.
      if (wanted === false) step.checkout = false;
    },
    'output-limit': (value) => {
      const bytes = parseOutputLimit(value, name, ctx);
      if (bytes !== undefined) step.outputLimit = bytes;
    },
    'aws-role': (value) => {
      const role = parseAwsRole(value, `of step "${name}"`, ctx);
      if (role) step.awsRole = role;
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
  if (hasField(node, 'build')) {
    for (const field of NOT_IN_BUILD_STEPS)
      if (given.has(field))
        report(
          given.get(field) ?? keyPos,
          `a build step has no ${field}: step "${name}" builds an image`,
          'run the image in a step of its own, with img: "{' + name + '}"',
        );
    return step;
  }
  if (step.img === undefined && !hasField(node, 'img') && !meant.has('img'))
    report(keyPos, `step "${name}" has no img`, 'name the image to run, e.g. img: alpine:3.20');
  if (step.run === undefined && !hasField(node, 'run') && !meant.has('run'))
    report(keyPos, `step "${name}" has no run`, 'give the shell command to run, e.g. run: "make test"');
  return step;
}

function hasField(node: YAMLMap, field: string): boolean {
  return node.items.some((pair) => isScalar(pair.key) && pair.key.value === field);
}
