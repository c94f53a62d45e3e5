import { describe, expect, it } from 'vitest';
import { compilePipeline, type PipelineSource } from './compile.js';
import { formatDiagnostic } from './diagnostics.js';

/** Compiles one file (plus optional others) and returns its diagnostics as printed. */
function errorsOf(text: string, others: PipelineSource[] = []): string[] {
  const result = compilePipeline([{ path: 'ci.dockercise.yaml', text }, ...others]);
  if (result.ok) throw new Error('expected the pipeline to be rejected');
  return result.diagnostics.map(formatDiagnostic);
}

const ok = 'ok:\n  img: busybox\n  run: "true"\n';

// Each case: [what, file text, every diagnostic exactly as printed]. Thirty-odd distinct mistakes.
const cases: Array<[string, string, string[]]> = [
  [
    'YAML syntax error keeps the parser position',
    'build:\n  img: busybox\n run: x\n',
    [
      'ci.dockercise.yaml:3:1: all mapping items must start at the same column\n  hint: check the indentation, and quote values that contain ": " or start with {, [, * or &',
    ],
  ],
  [
    'tab indentation',
    'build:\n\timg: busybox\n',
    [
      'ci.dockercise.yaml:2:1: tabs are not allowed as indentation\n  hint: YAML indents with spaces, not tabs',
    ],
  ],
  [
    'duplicate step key in one file',
    `${ok}ok:\n  img: busybox\n  run: "true"\n`,
    [
      'ci.dockercise.yaml:4:1: step "ok" is defined twice in this file\n  hint: first at line 1; each step name may appear once',
    ],
  ],
  [
    'empty file',
    '',
    [
      'ci.dockercise.yaml:1:1: this file defines no steps\n  hint: a step looks like:  build: { img: alpine, run: "make" }',
    ],
  ],
  [
    'file is a list',
    '- img: busybox\n',
    [
      'ci.dockercise.yaml:1:1: a pipeline file must be a mapping of step names to steps\n  hint: a step looks like:  build: { img: alpine, run: "make" }',
    ],
  ],
  [
    'two YAML documents',
    `${ok}---\nother:\n  img: a\n  run: b\n`,
    [
      'ci.dockercise.yaml:5:1: a pipeline file holds one YAML document\n  hint: remove the second `---`, or move those steps to a file of their own',
    ],
  ],
  [
    'uppercase step name',
    'Build:\n  img: busybox\n  run: make\n',
    [
      'ci.dockercise.yaml:1:1: "Build" is not a valid step name\n  hint: step names are lowercase letters, digits, - and _, starting with a letter or digit: try "build"',
    ],
  ],
  [
    'step name with a space',
    'run tests:\n  img: busybox\n  run: make\n',
    [
      'ci.dockercise.yaml:1:1: "run tests" is not a valid step name\n  hint: step names are lowercase letters, digits, - and _, starting with a letter or digit: try "run-tests"',
    ],
  ],
  [
    'step name too long',
    `${'a'.repeat(64)}:\n  img: busybox\n  run: make\n`,
    [
      'ci.dockercise.yaml:1:1: step name "aaaaaaaaaaaaaaaaaaaa…" is longer than 63 characters\n  hint: choose a shorter name',
    ],
  ],
  [
    'reserved step name',
    'human-click:\n  img: busybox\n  run: make\n',
    [
      'ci.dockercise.yaml:1:1: "human-click" is reserved for gates and cannot name a step\n  hint: choose another name',
    ],
  ],
  [
    'step with no fields',
    'build:\n',
    [
      'ci.dockercise.yaml:1:1: step "build" has no fields\n  hint: a step needs img and run, e.g. img: alpine and run: "echo hello"',
    ],
  ],
  [
    'step is a string',
    'build: make test\n',
    [
      'ci.dockercise.yaml:1:8: step "build" must be a mapping with img and run\n  hint: a step looks like:  build: { img: alpine, run: "make" }',
    ],
  ],
  [
    'missing img',
    'build:\n  run: make\n',
    ['ci.dockercise.yaml:1:1: step "build" has no img\n  hint: name the image to run, e.g. img: alpine:3.20'],
  ],
  [
    'missing run',
    'build:\n  img: busybox\n',
    [
      'ci.dockercise.yaml:1:1: step "build" has no run\n  hint: give the shell command to run, e.g. run: "make test"',
    ],
  ],
  [
    'img is a number',
    'build:\n  img: 42\n  run: make\n',
    ['ci.dockercise.yaml:2:8: img of step "build" must be an image name\n  hint: e.g. img: alpine:3.20'],
  ],
  [
    'img is empty',
    'build:\n  img:\n  run: make\n',
    ['ci.dockercise.yaml:2:3: img of step "build" is empty\n  hint: name an image, e.g. img: alpine:3.20'],
  ],
  [
    'run is a list',
    'build:\n  img: busybox\n  run: [make, test]\n',
    [
      'ci.dockercise.yaml:3:8: run must be text\n  hint: write the command as text; use `|` for several lines',
    ],
  ],
  [
    'run is blank',
    'build:\n  img: busybox\n  run: "  "\n',
    ['ci.dockercise.yaml:3:8: run is empty\n  hint: give a shell command, run with /bin/sh -c'],
  ],
  [
    'run written as an unquoted {ref}',
    `${ok}build:\n  img: busybox\n  run: {ok}\n`,
    [
      'ci.dockercise.yaml:6:8: run must be text\n  hint: YAML reads an unquoted {…} as a mapping: put the value in quotes, e.g. "{step}"',
    ],
  ],
  [
    'misspelt field with a suggestion',
    'build:\n  imgg: busybox\n  img: busybox\n  run: make\n',
    ['ci.dockercise.yaml:2:3: unknown field "imgg" in step "build"\n  hint: did you mean "img"?'],
  ],
  [
    'unknown fields that begin as a field does',
    'build:\n  img: busybox\n  run: make\n  retries: 3\n  enviroment: { A: b }\n',
    [
      'ci.dockercise.yaml:4:3: unknown field "retries" in step "build"\n  hint: did you mean "retry"?',
      'ci.dockercise.yaml:5:3: unknown field "enviroment" in step "build"\n  hint: did you mean "env"?',
    ],
  ],
  [
    'unknown field without a close match',
    'build:\n  img: busybox\n  run: make\n  matrix: [dist]\n',
    [
      'ci.dockercise.yaml:4:3: unknown field "matrix" in step "build"\n  hint: the fields are img, run, done, env, vol, after, timeout, secret, when, retry, allow-failure, cache, services, checkout, output-limit, aws-role, build, artifacts, reports',
    ],
  ],
  [
    'a colon and a space inside a plain value',
    'lint:\n  img: busybox\n  run: echo "lint: 3 issues"\n',
    [
      'ci.dockercise.yaml:3:8: the value of run holds ": ", which YAML reads as the start of a mapping\n  hint: quote the whole value, like run: \'…\', or write it as a block: run: | and the lines below',
    ],
  ],
  [
    'a quote never closed, reported where it opens',
    'a:\n  img: busybox\n  run: "echo hi\nb:\n  img: busybox\n  run: ls\n',
    [
      'ci.dockercise.yaml:3:8: this double-quoted value is never closed\n  hint: end it with " on the same line, or write a long command as a block: run: | and the lines below',
    ],
  ],
  [
    'reference to an unknown step (awk)',
    `${ok}count:\n  img: busybox\n  run: awk '{print}' file\n`,
    [
      'ci.dockercise.yaml:6:13: {print} names no step\n  hint: known steps: ok, count; to write a literal brace, double it: {{ and }}',
    ],
  ],
  [
    'misspelt reference gets a suggestion',
    `${ok}use:\n  img: busybox\n  run: cat {okk}\n`,
    [
      'ci.dockercise.yaml:6:12: {okk} names no step\n  hint: did you mean {ok}?; known steps: ok, use; to write a literal brace, double it: {{ and }}',
    ],
  ],
  [
    'braces that are not a reference',
    `${ok}json:\n  img: busybox\n  run: echo '{"a":1}'\n`,
    [
      'ci.dockercise.yaml:6:14: run: {"a":1} is not a step reference\n  hint: a reference is {step-name}; to write a literal brace, double it: {{ and }} (shell ${...} needs no escaping)',
    ],
  ],
  [
    'unclosed brace',
    `${ok}x:\n  img: busybox\n  run: echo {ok\n`,
    [
      "ci.dockercise.yaml:6:13: run: '{' is not closed\n  hint: to write a literal brace, double it: {{ and }} (shell ${...} needs no escaping)",
    ],
  ],
  [
    'stray closing brace',
    `${ok}x:\n  img: busybox\n  run: echo ok}\n`,
    [
      "ci.dockercise.yaml:6:15: run: '}' without a matching '{'\n  hint: to write a literal brace, double it: {{ and }} (shell ${...} needs no escaping)",
    ],
  ],
  [
    'unknown reference in done',
    `${ok}x:\n  img: busybox\n  run: "true"\n  done: test -s {missing}\n`,
    [
      'ci.dockercise.yaml:7:17: {missing} names no step\n  hint: known steps: ok, x; to write a literal brace, double it: {{ and }}',
    ],
  ],
  [
    'a step referring to itself',
    'self:\n  img: busybox\n  run: cat {self}\n',
    ['ci.dockercise.yaml:1:1: dependency cycle: self -> self\n  hint: step "self" cannot wait for itself'],
  ],
  [
    'a cycle across three steps',
    'a:\n  img: x\n  run: cat {b}\nb:\n  img: x\n  run: "true"\n  after: c\nc:\n  img: x\n  vol: a\n  run: "true"\n',
    [
      'ci.dockercise.yaml:1:1: dependency cycle: a -> b -> c -> a\n  hint: a step cannot wait, directly or not, for itself: remove one of these references',
    ],
  ],
  [
    'an unknown filter and an unknown event',
    'build:\n  img: busybox\n  run: make\n  when: { branchs: [main], event: [tag] }\n',
    [
      'ci.dockercise.yaml:4:11: unknown filter "branchs" in when of step "build"\n  hint: did you mean "branch"?',
      'ci.dockercise.yaml:4:35: unknown event "tag" in when of step "build"\n  hint: the events are push, pull_request, manual',
    ],
  ],
  [
    'a file-level when that is not a mapping',
    'when: main\nbuild:\n  img: busybox\n  run: make\n',
    [
      'ci.dockercise.yaml:1:7: when of this file must be a mapping of branch, event and paths\n  hint: e.g. when: { branch: [main, "release/*"], event: [push], paths: ["src/**"] }',
    ],
  ],
  [
    'a retry that is not a count',
    'build:\n  img: busybox\n  run: make\n  retry: 11\ntest:\n  img: busybox\n  run: make\n  retry: { count: 1, on: [0] }\n',
    [
      'ci.dockercise.yaml:4:10: retry of step "build" must be a whole number from 1 to 10\n  hint: write retry: 2, or retry: { count: 2, on: [1, 137] } (at most 10)',
      'ci.dockercise.yaml:8:26: retry.on of step "test" must list exit codes from 1 to 255, or host-lost\n  hint: write retry: 2, or retry: { count: 2, on: [1, 137] } (at most 10)',
    ],
  ],
  [
    'checkout that is not a boolean',
    'build:\n  img: busybox\n  run: make\n  checkout: no-thanks\n',
    [
      'ci.dockercise.yaml:4:13: checkout of step "build" must be true or false\n  hint: write checkout: false for a workspace without the repository',
    ],
  ],
  [
    'an output-limit that is not a size, and one past 64m',
    'build:\n  img: busybox\n  run: make\n  output-limit: lots\ntest:\n  img: busybox\n  run: make\n  output-limit: 65m\n',
    [
      'ci.dockercise.yaml:4:17: output-limit of step "build" must be a size from 1 byte to 64m\n  hint: write a size like 4m, 512k or 1048576 (bytes), at most 64m',
      'ci.dockercise.yaml:8:17: output-limit of step "test" must be a size from 1 byte to 64m\n  hint: write a size like 4m, 512k or 1048576 (bytes), at most 64m',
    ],
  ],
  [
    'allow-failure that is not a boolean',
    'build:\n  img: busybox\n  run: make\n  allow-failure: yes\n',
    [
      'ci.dockercise.yaml:4:18: allow-failure of step "build" must be true or false\n  hint: write allow-failure: true',
    ],
  ],
  [
    'a cache with a relative path, and one without a key',
    'build:\n  img: busybox\n  run: make\n  cache:\n    - { path: node_modules, key: deps }\n    - { path: /root/.npm }\n',
    [
      'ci.dockercise.yaml:5:15: a cache of step "build" needs an absolute path\n  hint: e.g. cache: [{ path: /root/.npm, key: "npm-{lock-hash}" }]',
      'ci.dockercise.yaml:6:7: a cache of step "build" needs a key\n  hint: e.g. cache: [{ path: /root/.npm, key: "npm-{lock-hash}" }]',
    ],
  ],
  [
    "a cache keyed on a secret step's output, which would be stored in clear",
    'token:\n  img: busybox\n  secret: true\n  run: cat /run/token\nbuild:\n  img: busybox\n  run: make\n  cache: [{ path: /root/.npm, key: "npm-{token}" }]\n',
    [
      'ci.dockercise.yaml:8:41: cache key of step "build" names the output of secret step "token", which would be stored in clear\n  hint: key the cache on a digest a step that is not secret prints, e.g. of the lock file',
    ],
  ],
  [
    'services that are a list',
    'test:\n  img: busybox\n  run: make\n  services: [db]\n',
    [
      'ci.dockercise.yaml:4:13: services of step "test" must be a mapping of names to services\n  hint: e.g. services: { db: { img: postgres:16, env: { POSTGRES_PASSWORD: test }, ready: pg_isready } }',
    ],
  ],
  [
    'a service without an image, with a misspelt field, a bad name and a bad timeout',
    'test:\n  img: busybox\n  run: make\n  services:\n    db:\n      image: postgres:16\n      ready: pg_isready\n    Web:\n      img: nginx\n    cache:\n      img: redis\n      ready-timeout: soon\n      env: { PORT: [1] }\n',
    [
      'ci.dockercise.yaml:5:5: service "db" of step "test" has no img\n  hint: e.g. img: postgres:16',
      'ci.dockercise.yaml:6:7: unknown field "image" in service "db" of step "test"\n  hint: did you mean "img"?',
      'ci.dockercise.yaml:8:5: "Web" is not a valid service name in step "test"\n  hint: service names are what the step reaches them by: lowercase letters, digits, - and _',
      'ci.dockercise.yaml:12:22: ready-timeout of service "cache" of step "test" must be a duration up to 1h\n  hint: e.g. ready-timeout: 90s',
      'ci.dockercise.yaml:13:12: env of service "cache" of step "test" must be a mapping of NAME: value\n  hint: e.g. env: { POSTGRES_PASSWORD: test }',
    ],
  ],
  [
    'more services than a step may have',
    `test:\n  img: busybox\n  run: make\n  services:\n${Array.from({ length: 9 }, (_, i) => `    s${i}: { img: busybox }\n`).join('')}`,
    [
      'ci.dockercise.yaml:5:5: step "test" has 9 services; a step may have at most 8\n  hint: split the tests into steps that each need fewer services',
    ],
  ],
  [
    'a field given twice',
    'build:\n  img: busybox\n  run: make\n  run: make test\n',
    ['ci.dockercise.yaml:4:3: run is given twice in step "build"\n  hint: first given at line 3; keep one'],
  ],
  [
    'env is a number',
    `${ok}x:\n  img: busybox\n  run: env\n  env: 3\n`,
    [
      'ci.dockercise.yaml:7:8: env of step "x" must be a list of step names or a mapping of variables\n  hint: e.g. env: [access-key-id] or env: { TARGET: "{deploy-target}" }',
    ],
  ],
  [
    'env list names an unknown step',
    `${ok}x:\n  img: busybox\n  run: env\n  env: [ok, nope]\n`,
    ['ci.dockercise.yaml:7:13: env names no step "nope"\n  hint: known steps: ok, x'],
  ],
  [
    'env as one string names an unknown step',
    `${ok}x:\n  img: busybox\n  run: env\n  env: okk\n`,
    ['ci.dockercise.yaml:7:8: env names no step "okk"\n  hint: did you mean "ok"?; known steps: ok, x'],
  ],
  [
    "another tool's spelling of a field",
    'build:\n  image: busybox\n  script: make\n',
    [
      'ci.dockercise.yaml:2:3: unknown field "image" in step "build"\n  hint: did you mean "img"? (image is Compose, GitLab CI and Woodpecker\'s spelling)',
      'ci.dockercise.yaml:3:3: unknown field "script" in step "build"\n  hint: did you mean "run"? (script is GitLab CI\'s spelling)',
    ],
  ],
  [
    'a field indented deeper than the one above it',
    'build:\n  img: busybox\n    run: make\n  timeout: 5m\n',
    [
      'ci.dockercise.yaml:3:5: run is indented deeper than img, the line above it\n  hint: img already has a value, so run cannot belong to it: indent run as much as img',
    ],
  ],
  [
    'env list item is a mapping',
    `${ok}x:\n  img: busybox\n  run: env\n  env:\n    - name: ok\n`,
    [
      'ci.dockercise.yaml:8:7: each item of an env list must be a step name\n  hint: use a mapping to set variables: env: { NAME: "text with {step}" }',
    ],
  ],
  [
    'env name from a step starting with a digit',
    '1st:\n  img: busybox\n  run: "true"\nx:\n  img: busybox\n  run: env\n  env: [1st]\n',
    [
      'ci.dockercise.yaml:7:9: step "1st" gives the variable name 1ST, which is not a valid name\n  hint: use the mapping form to name it: env: { MY_NAME: "{1st}" }',
    ],
  ],
  [
    'invalid variable name in an env mapping',
    `${ok}x:\n  img: busybox\n  run: env\n  env:\n    my-var: hi\n`,
    [
      'ci.dockercise.yaml:8:5: "my-var" is not a valid environment variable name\n  hint: use letters, digits and _, not starting with a digit, e.g. DEPLOY_TARGET',
    ],
  ],
  [
    'reserved variable name',
    `${ok}x:\n  img: busybox\n  run: env\n  env:\n    DOCKERCISE_STEP: hi\n`,
    [
      'ci.dockercise.yaml:8:5: DOCKERCISE_STEP is reserved: dockercise sets DOCKERCISE_* variables itself\n  hint: choose another name',
    ],
  ],
  [
    'env value is a list',
    `${ok}x:\n  img: busybox\n  run: env\n  env:\n    A: [1, 2]\n`,
    [
      'ci.dockercise.yaml:8:8: env A must be text\n  hint: e.g. env: { TARGET: "prod", TOKEN: "{token-step}" }',
    ],
  ],
  [
    'the same variable twice',
    'access-key:\n  img: busybox\n  run: "true"\nx:\n  img: busybox\n  run: env\n  env:\n    ACCESS_KEY: "{access-key}"\n    ACCESS_KEY: x\n',
    ['ci.dockercise.yaml:9:5: variable ACCESS_KEY is set twice in step "x"\n  hint: first set at line 8'],
  ],
  [
    'a list item and a mapping give the same variable',
    'a-b:\n  img: busybox\n  run: "true"\nx:\n  img: busybox\n  run: env\n  env: [a-b, a-b]\n',
    ['ci.dockercise.yaml:7:14: variable A_B is set twice in step "x"\n  hint: first set at line 7'],
  ],
  [
    'vol names an unknown step',
    `${ok}x:\n  img: busybox\n  run: ls\n  vol: code\n`,
    ['ci.dockercise.yaml:7:8: vol names no step "code"\n  hint: known steps: ok, x'],
  ],
  [
    'vol is a mapping',
    `${ok}x:\n  img: busybox\n  run: ls\n  vol: {ok: 1}\n`,
    [
      'ci.dockercise.yaml:7:8: vol must be a step name or a list of step names\n  hint: write the step name without braces: vol: step-name',
    ],
  ],
  [
    'vol is an empty list',
    `${ok}x:\n  img: busybox\n  run: ls\n  vol: []\n`,
    ['ci.dockercise.yaml:7:8: vol is an empty list\n  hint: name at least one step, or remove the field'],
  ],
  [
    'human-click in vol, and a step gate in a gated file',
    `after: human-click\n${ok}x:\n  img: busybox\n  run: ls\n  vol: human-click\n  after: human-click\n`,
    [
      'ci.dockercise.yaml:8:8: "human-click" is a gate, not a step: it goes in after, not vol\n  hint: write after: human-click in the step to gate it, or at the top of its file to gate all the file\'s steps',
      'ci.dockercise.yaml:9:10: step "x" is behind its file\'s human-click gate already\n  hint: gate the step or its file, not both: move the step to a file of its own to gate it apart',
    ],
  ],
  [
    'step-level after names an unknown step',
    `${ok}x:\n  img: busybox\n  run: ls\n  after: [ok, build]\n`,
    ['ci.dockercise.yaml:7:15: after names no step "build"\n  hint: known steps: ok, x'],
  ],
  [
    'file-level after names an unknown step',
    `after: setup\n${ok}`,
    ['ci.dockercise.yaml:1:8: after names no step "setup"\n  hint: known steps: ok'],
  ],
  [
    'file-level after is empty',
    `after:\n${ok}`,
    [
      'ci.dockercise.yaml:1:1: after is empty\n  hint: use after: human-click, or name the steps this file waits for',
    ],
  ],
  [
    'timeout without a unit',
    `${ok}x:\n  img: busybox\n  run: ls\n  timeout: 90\n`,
    [
      'ci.dockercise.yaml:7:12: timeout of step "x" is not a duration\n  hint: write it like 90s, 30m, 2h or 1h30m',
    ],
  ],
  [
    'timeout in words',
    `${ok}x:\n  img: busybox\n  run: ls\n  timeout: 10 minutes\n`,
    [
      'ci.dockercise.yaml:7:12: timeout of step "x" is not a duration\n  hint: write it like 90s, 30m, 2h or 1h30m',
    ],
  ],
  [
    'zero timeout',
    `${ok}x:\n  img: busybox\n  run: ls\n  timeout: 0s\n`,
    [
      'ci.dockercise.yaml:7:12: timeout of step "x" must be longer than zero\n  hint: write it like 90s, 30m, 2h or 1h30m',
    ],
  ],
  [
    'timeout over a day',
    `${ok}x:\n  img: busybox\n  run: ls\n  timeout: 25h\n`,
    [
      'ci.dockercise.yaml:7:12: timeout of step "x" is longer than 24h\n  hint: split the work into several steps',
    ],
  ],
  [
    'secret written as yes',
    `${ok}x:\n  img: busybox\n  run: ls\n  secret: yes\n`,
    [
      'ci.dockercise.yaml:7:11: secret of step "x" must be true or false\n  hint: write secret: true (YAML 1.2 reads yes/no as text)',
    ],
  ],
  [
    'done is empty',
    `${ok}x:\n  img: busybox\n  run: ls\n  done: ""\n`,
    ['ci.dockercise.yaml:7:9: done is empty\n  hint: give a shell command, run with /bin/sh -c'],
  ],
];

describe('bad pipelines: every error, exactly, with its position and a hint', () => {
  it('covers at least 30 distinct mistakes', () => {
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', (_what, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });

  it('reports a step defined in two files at both places', () => {
    const errors = errorsOf(ok, [{ path: 'deploy/other.dockercise.yaml', text: `\n${ok}` }]);
    expect(errors).toEqual([
      'deploy/other.dockercise.yaml:2:1: step "ok" is defined twice\n  hint: also defined at ci.dockercise.yaml:1:1; step names are shared by all files of a pipeline',
    ]);
  });

  it('reports all errors of all files at once, sorted by place, one per mistake', () => {
    // `imgg` is taken for img: the step is not said to have no img as well.
    const errors = errorsOf('a:\n  imgg: x\n  run: "{zz}"\n', [
      { path: 'b.dockercise.yaml', text: 'B:\n  img: x\n  run: y\n' },
    ]);
    expect(errors.map((e) => e.split('\n')[0])).toEqual([
      'b.dockercise.yaml:1:1: "B" is not a valid step name',
      'ci.dockercise.yaml:2:3: unknown field "imgg" in step "a"',
      'ci.dockercise.yaml:3:9: {zz} names no step',
    ]);
  });

  it('reports no files at all', () => {
    const result = compilePipeline([]);
    expect(result.ok).toBe(false);
  });
});
