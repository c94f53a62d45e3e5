import { describe, expect, it } from 'vitest';
import { compilePipeline, isPipelineFile, type PipelineSource } from './compile.js';
import { formatDiagnostic } from './diagnostics.js';
import { PIPELINE_LIMITS } from './limits.js';
import { subPlan, topologicalOrder, workspaceOwner } from './plan.js';
import { planSchema } from './plan-schema.js';

function planOf(...sources: PipelineSource[]) {
  const result = compilePipeline(sources);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.plan;
}

const SEED = `after: human-click
assume-role:
  img: pebbletech/docker-aws-cli
  run: aws sts assume-role --role-arn arn:aws:etc:etc --role-session-name deploy
access-key-id:
  img: pebbletech/docker-aws-cli
  run: cat {assume-role} | jq -r .Credentials.AccessKeyId
secret-access-key:
  img: pebbletech/docker-aws-cli
  run: cat {assume-role} | jq -r .Credentials.SecretAccessKey
session-token:
  img: pebbletech/docker-aws-cli
  run: cat {assume-role} | jq -r .Credentials.SessionToken
get-code:
  img: bravissimolabs/alpine-git
  run: git clone -b master --single-branch git@github.com:ensemblejs/ensemblejs.git
create-stack:
  img: pebbletech/docker-aws-cli
  vol: get-code
  env:
    - access-key-id
    - secret-access-key
    - session-token
  run: aws cloudformation create-stack --stack-name infra --template-body file://infrastructure.yaml
  done: aws cloudformation wait stack-create-complete --stack-name infra
`;

describe('compilePipeline', () => {
  it("compiles the seed's example into a gated DAG", () => {
    const plan = planOf({ path: 'deploy.dockercise.yaml', text: SEED });
    expect(plan.gates).toEqual([
      { name: 'deploy.dockercise.yaml', source: { file: 'deploy.dockercise.yaml', line: 1, col: 8 } },
    ]);
    const byName = Object.fromEntries(plan.steps.map((s) => [s.name, s]));
    expect(byName['access-key-id']?.run).toEqual([
      'cat ',
      { ref: 'assume-role' },
      ' | jq -r .Credentials.AccessKeyId',
    ]);
    expect(byName['access-key-id']?.needs).toEqual(['assume-role']);
    expect(byName['create-stack']?.needs).toEqual([
      'access-key-id',
      'get-code',
      'secret-access-key',
      'session-token',
    ]);
    expect(byName['create-stack']?.env.map((e) => e.name)).toEqual([
      'ACCESS_KEY_ID',
      'SECRET_ACCESS_KEY',
      'SESSION_TOKEN',
    ]);
    expect(byName['create-stack']?.done).toEqual([
      'aws cloudformation wait stack-create-complete --stack-name infra',
    ]);
    expect(plan.steps.every((s) => s.gate === 'deploy.dockercise.yaml')).toBe(true);
    expect(planSchema.parse(plan)).toEqual(plan);
  });

  it('is deterministic: the same files in any order give the same bytes', () => {
    const a = { path: 'a.dockercise.yaml', text: 'one:\n  img: x\n  run: "true"\n' };
    const b = { path: 'sub/b.dockercise.yml', text: 'two:\n  img: x\n  run: cat {one}\n' };
    expect(JSON.stringify(planOf(a, b))).toBe(JSON.stringify(planOf(b, a)));
    expect(planOf(b, a).steps.map((s) => s.name)).toEqual(['one', 'two']);
  });

  it('lets steps reference steps of other files', () => {
    const plan = planOf(
      { path: 'build.dockercise.yaml', text: 'build:\n  img: x\n  run: make\n' },
      { path: 'deploy.dockercise.yaml', text: 'after: build\ndeploy:\n  img: x\n  run: ./deploy\n' },
    );
    expect(plan.steps.find((s) => s.name === 'deploy')?.needs).toEqual(['build']);
  });

  it('keeps shell ${...} and doubled braces literal', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: "x:\n  img: x\n  run: echo ${HOME} {{}} ${A:-${B}} && awk '{{print}}'\n",
    });
    expect(plan.steps[0]?.run).toEqual(["echo ${HOME} {} ${A:-${B}} && awk '{print}'"]);
    expect(plan.steps[0]?.needs).toEqual([]);
  });

  it('reads env mappings, including the unquoted {step} mistake, and numbers', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'token:\n  img: x\n  run: echo t\n  secret: true\nuse:\n  img: x\n  run: env\n  env:\n    AUTH: "Bearer {token}"\n    RAW: {token}\n    PORT: 8080\n',
    });
    const use = plan.steps.find((s) => s.name === 'use');
    expect(use?.env).toEqual([
      { name: 'AUTH', value: ['Bearer ', { ref: 'token' }] },
      { name: 'RAW', value: [{ ref: 'token' }] },
      { name: 'PORT', value: ['8080'] },
    ]);
    expect(use?.needs).toEqual(['token']);
    expect(plan.steps[0]?.secret).toBe(true);
  });

  it('resolves vol chains to the first owner of the workspace', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'code:\n  img: x\n  run: git clone\nbuild:\n  img: x\n  vol: code\n  run: make\nship:\n  img: x\n  vol: [build, code]\n  run: ls /vol/code\n',
    });
    expect(workspaceOwner(plan, 'ship')).toBe('code');
    expect(workspaceOwner(plan, 'code')).toBe('code');
    expect(plan.steps.find((s) => s.name === 'ship')?.vol).toEqual(['build', 'code']);
  });

  it('gives a step with after: human-click a gate of its own, named by the step', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'build:\n  img: x\n  run: make\ndeploy:\n  img: x\n  vol: build\n  after: [human-click]\n  run: ship\n',
    });
    expect(plan.gates).toEqual([{ name: 'deploy', source: { file: 'a.dockercise.yaml', line: 7, col: 11 } }]);
    expect(plan.steps.map((s) => [s.name, s.gate, s.needs])).toEqual([
      ['build', undefined, []],
      ['deploy', 'deploy', ['build']],
    ]);
  });

  it('keeps checkout: false and an output-limit in bytes; neither when not said', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'lint:\n  img: x\n  run: lint\n  checkout: false\n  output-limit: 4m\ntest:\n  img: x\n  run: make test\n  checkout: true\n',
    });
    const [lint, test] = plan.steps;
    expect([lint?.checkout, lint?.outputLimit]).toEqual([false, 4 * 1024 * 1024]);
    expect(test && ('checkout' in test || 'outputLimit' in test)).toBe(false);
  });

  it("gives a step its aws-role, or its file's; and a file's checkout: false to each of its steps", () => {
    const plan = planOf(
      {
        path: 'deploy.dockercise.yaml',
        text: 'aws-role: arn:aws:iam::123456789012:role/deploy\ncheckout: false\nship:\n  img: x\n  run: ship\nread:\n  img: x\n  run: read\n  aws-role: arn:aws-us-gov:iam::123456789012:role/ci/read-only\n',
      },
      // A mapping under those names is a step of that name, not the file's option.
      { path: 'z.dockercise.yaml', text: 'checkout:\n  img: x\n  run: git status\n' },
    );
    expect(plan.steps.map((s) => [s.name, s.awsRole, s.checkout])).toEqual([
      ['ship', 'arn:aws:iam::123456789012:role/deploy', false],
      ['read', 'arn:aws-us-gov:iam::123456789012:role/ci/read-only', false],
      ['checkout', undefined, undefined],
    ]);
  });

  it('refuses an aws-role that is not a role ARN, at its line and column', () => {
    const result = compilePipeline([
      {
        path: 'a.dockercise.yaml',
        text: 'aws-role: deploy\nship:\n  img: x\n  run: ship\n  aws-role: arn:aws:iam::123:role/deploy\nuser:\n  img: x\n  run: x\n  aws-role: arn:aws:iam::123456789012:user/ci\n',
      },
    ]);
    expect(result.ok ? [] : result.diagnostics.map(formatDiagnostic)).toEqual([
      "a.dockercise.yaml:1:11: aws-role of this file must be an IAM role's ARN: deploy\n  hint: write the role's ARN, e.g. aws-role: arn:aws:iam::123456789012:role/deploy",
      'a.dockercise.yaml:5:13: aws-role of step "ship" must be an IAM role\'s ARN: arn:aws:iam::123:role/deploy\n  hint: write the role\'s ARN, e.g. aws-role: arn:aws:iam::123456789012:role/deploy',
      'a.dockercise.yaml:9:13: aws-role of step "user" must be an IAM role\'s ARN: arn:aws:iam::123456789012:user/ci\n  hint: write the role\'s ARN, e.g. aws-role: arn:aws:iam::123456789012:role/deploy',
    ]);
  });

  it('compiles a build step, and a step that runs its image and so waits for it', () => {
    const plan = planOf({
      path: 'ci.dockercise.yaml',
      text: 'version:\n  img: x\n  run: cat VERSION\nimage:\n  build:\n    context: app/\n    target: runtime\n    args: { VERSION: "{version}", DEBUG: false }\n    push: [registry.local:5000/team/app:1.0]\ntry:\n  img: "{image}"\n  run: app --version\n',
    });
    const [image, tried] = plan.steps.filter((s) => s.name !== 'version');
    expect(image).toMatchObject({
      img: '',
      run: [],
      needs: ['version'],
      build: {
        context: 'app',
        file: 'app/Dockerfile',
        target: 'runtime',
        args: [
          { name: 'VERSION', value: [{ ref: 'version' }] },
          { name: 'DEBUG', value: ['false'] },
        ],
        push: ['registry.local:5000/team/app:1.0'],
      },
    });
    expect(tried).toMatchObject({ img: '{image}', imageFrom: 'image', needs: ['image'] });
    expect(planSchema.parse(plan)).toEqual(plan);
  });

  it('refuses a build step with img or run, a path out of the workspace, a bad push name, img of no build', () => {
    const result = compilePipeline([
      {
        path: 'a.dockercise.yaml',
        text: 'image:\n  build: { context: ../up, push: [Not/Valid, "x@sha256:ab"] }\n  run: make\nother:\n  build: { file: /etc/Dockerfile, secrets: [token] }\nuse:\n  img: "{plain}"\n  run: x\nplain:\n  img: x\n  run: x\n',
      },
    ]);
    expect(result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '2:21 build context of step "image" leaves the workspace: ../up',
      '2:35 build push of step "image": "Not/Valid" is not an image name',
      '2:46 build push of step "image": "x@sha256:ab" is not an image name',
      '3:3 a build step has no run: step "image" builds an image',
      '5:18 build file of step "other" is absolute: /etc/Dockerfile',
      '5:35 unknown field "secrets" in build of step "other"',
      '7:8 img of step "use" names step "plain", which builds no image',
    ]);
  });

  it("keeps a step's artifact globs, and refuses one out of the workspace or a secret step's", () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'build:\n  img: x\n  run: make\n  artifacts: [dist/*.tar.gz, "./reports/**/*.xml"]\n',
    });
    expect(plan.steps[0]?.artifacts).toEqual(['dist/*.tar.gz', 'reports/**/*.xml']);
    const result = compilePipeline([
      {
        path: 'a.dockercise.yaml',
        text: 'up:\n  img: x\n  run: x\n  artifacts: [../etc/passwd, /abs]\nkey:\n  img: x\n  run: x\n  secret: true\n  artifacts: [key.pem]\n',
      },
    ]);
    expect(result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '4:15 artifact ../etc/passwd of step "up" leaves the workspace',
      '4:30 artifact /abs of step "up" is absolute',
      '5:1 secret step "key" has artifacts, which would be stored in clear',
    ]);
  });

  it('compiles services with their env as text and a default readiness timeout', () => {
    const plan = planOf({
      path: 'ci.dockercise.yaml',
      text: 'test:\n  img: busybox\n  run: wget -qO- http://web:8080\n  services:\n    web:\n      img: busybox\n      run: httpd -f -p 8080\n      ready: wget -qO- http://127.0.0.1:8080\n      env: { PORT: 8080, DEBUG: true }\n    db: { img: "postgres:16", ready-timeout: 2m }\n',
    });
    expect(plan.steps[0]?.services).toEqual([
      {
        name: 'web',
        img: 'busybox',
        run: 'httpd -f -p 8080',
        ready: 'wget -qO- http://127.0.0.1:8080',
        env: [
          { name: 'PORT', value: '8080' },
          { name: 'DEBUG', value: 'true' },
        ],
        readyTimeout: 60,
      },
      { name: 'db', img: 'postgres:16', env: [], readyTimeout: 120 },
    ]);
  });

  it('reads retry.on with exit codes and host-lost', () => {
    const plan = planOf({
      path: 'ci.dockercise.yaml',
      text: 'test:\n  img: busybox\n  run: make\n  retry: { count: 2, on: [1, host-lost] }\n',
    });
    expect(plan.steps[0]?.retry).toEqual({ count: 2, on: [1, 'host-lost'] });
  });

  it('parses timeouts and defaults to an hour', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'a:\n  img: x\n  run: y\n  timeout: 1h30m\nb:\n  img: x\n  run: y\n',
    });
    expect(plan.steps.map((s) => s.timeout)).toEqual([5400, 3600]);
  });

  it('does not make a step in a file-level after wait for itself', () => {
    const plan = planOf({
      path: 'a.dockercise.yaml',
      text: 'after: setup\nsetup:\n  img: x\n  run: y\nwork:\n  img: x\n  run: y\n',
    });
    expect(plan.steps.map((s) => s.needs)).toEqual([[], ['setup']]);
  });

  it('cuts a plan down to a step and what it needs', () => {
    const plan = planOf({ path: 'a.dockercise.yaml', text: SEED });
    const sub = subPlan(plan, ['access-key-id']);
    expect(sub.steps.map((s) => s.name)).toEqual(['assume-role', 'access-key-id']);
    expect(topologicalOrder(plan).findIndex((s) => s.name === 'create-stack')).toBe(plan.steps.length - 1);
  });

  it('recognises pipeline file names', () => {
    expect(
      ['a.dockercise.yaml', 'x/b.dockercise.yml', 'ci.yaml', '.dockercise.yaml', 'a.dockercise.yaml.bak'].map(
        isPipelineFile,
      ),
    ).toEqual([true, true, false, false, false]);
  });

  it('handles a chain as long as a pipeline may be without deep recursion', () => {
    const text = Array.from(
      { length: PIPELINE_LIMITS.steps },
      (_, i) => `s${i}:\n  img: x\n  run: "${i > 0 ? `cat {s${i - 1}}` : 'true'}"\n`,
    ).join('');
    const plan = planOf({ path: 'a.dockercise.yaml', text });
    expect(plan.steps).toHaveLength(PIPELINE_LIMITS.steps);
  });

  it('refuses a pipeline past its limits, each with the place and a hint, before parsing it', () => {
    const step = (i: number): string => `s${i}:\n  img: x\n  run: "true"\n`;
    const errors = (sources: PipelineSource[]): string[] => {
      const result = compilePipeline(sources);
      return result.ok ? [] : result.diagnostics.map(formatDiagnostic);
    };
    const many = Array.from({ length: PIPELINE_LIMITS.steps + 1 }, (_, i) => step(i)).join('');
    expect(errors([{ path: 'a.dockercise.yaml', text: many }])).toEqual([
      `a.dockercise.yaml:${3 * PIPELINE_LIMITS.steps + 1}:1: the pipeline has 501 steps; a pipeline may have at most 500\n  hint: split it into pipelines of their own, or do more in each step`,
    ]);
    // A 20,000-step file took seconds to parse: now its size alone refuses it, at once.
    const huge = Array.from({ length: 20_000 }, (_, i) => step(i)).join('');
    expect(errors([{ path: 'big.dockercise.yaml', text: huge }])).toEqual([
      'big.dockercise.yaml:1:1: the file is 595 KiB; a pipeline file may be at most 256 KiB\n  hint: split it into several *.dockercise.yaml files',
    ]);
    const files = Array.from({ length: PIPELINE_LIMITS.files + 1 }, (_, i) => ({
      path: `p${String(i).padStart(2, '0')}.dockercise.yaml`,
      text: step(i),
    }));
    expect(
      errors([
        ...files.slice(0, 5),
        { path: 'q.dockercise.yaml', text: 'x'.repeat(200_000) },
        { path: 'r.dockercise.yaml', text: 'x'.repeat(200_000) },
        { path: 's.dockercise.yaml', text: 'x'.repeat(200_000) },
        { path: 't.dockercise.yaml', text: 'x'.repeat(200_000) },
        { path: 'u.dockercise.yaml', text: 'x'.repeat(200_000) },
        { path: 'v.dockercise.yaml', text: 'x'.repeat(200_000) },
      ]),
    ).toEqual([
      '.:1:1: the pipeline files come to 1173 KiB; together they may be at most 1024 KiB\n  hint: move long scripts into the repository and run them from the steps',
    ]);
    expect(errors(files)).toEqual([
      '.:1:1: 65 pipeline files; a pipeline may have at most 64\n  hint: merge small files, or move pipelines you do not run into another repository',
    ]);
  });
});
