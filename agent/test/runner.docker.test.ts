import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderSource } from '../src/checkout/workspace-source.js';
import { IMG, leftovers, linesOf, logTexts, runFiles, statuses } from './harness.js';

// The seed's example pipeline, with its AWS and git calls replaced by local stand-ins.
const SEED = `after: human-click
assume-role:
  img: ${IMG}
  run: echo '{{"Credentials":{{"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"wJalrXUtnFEMI","SessionToken":"FwoGZXIvYXdz"}}}}'
access-key-id:
  img: ${IMG}
  run: cat {assume-role} | sed -n 's/.*"AccessKeyId":"\\([^"]*\\)".*/\\1/p'
secret-access-key:
  img: ${IMG}
  run: cat {assume-role} | sed -n 's/.*"SecretAccessKey":"\\([^"]*\\)".*/\\1/p'
session-token:
  img: ${IMG}
  run: cat {assume-role} | sed -n 's/.*"SessionToken":"\\([^"]*\\)".*/\\1/p'
get-code:
  img: ${IMG}
  run: mkdir -p ensemblejs && echo Resources > ensemblejs/infrastructure.yaml && echo cloned
create-stack:
  img: ${IMG}
  vol: get-code
  env:
    - access-key-id
    - secret-access-key
    - session-token
  run: |
    cd ensemblejs
    test -f infrastructure.yaml
    echo "$ACCESS_KEY_ID/$SECRET_ACCESS_KEY/$SESSION_TOKEN" > stack-request
    echo "stack infra requested in $(pwd)"
  done: test "$(cat /vol/get-code/ensemblejs/stack-request)" = "AKIDEXAMPLE/wJalrXUtnFEMI/FwoGZXIvYXdz"
check-files:
  img: ${IMG}
  env:
    AUTH: "key={access-key-id} token={session-token}"
  run: |
    echo "file={assume-role}"
    test "$AUTH" = "key=AKIDEXAMPLE token=FwoGZXIvYXdz"
    if echo tamper >> {assume-role} 2>/dev/null; then echo writable; exit 1; fi
    echo read-only
`;

describe('the runner on a real Docker engine', () => {
  it("puts a run's steps on a network of its own, without raw sockets, and removes the network", async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `net:\n  img: ${IMG}\n  run: |\n    cat /proc/self/status | grep CapEff\n    if ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; then echo raw-allowed; else echo raw-refused; fi\n    cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max\n`,
    });
    expect(run.result.status).toBe('succeeded');
    const output = (await run.output('net')) ?? '';
    expect(output).toContain('raw-refused');
    // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, NET_BIND_SERVICE 10.
    expect(output).toMatch(/CapEff:\s+00000000000004fb/);
    expect(output).toContain('4096');
    expect(await leftovers(run.result.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('reaches a service by its name once its ready check passes, keeps its log, and removes it', async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `test:
  img: ${IMG}
  run: wget -q -O- http://web:8080/index.html
  services:
    web:
      img: ${IMG}
      env: { GREETING: hello-from-web }
      run: mkdir -p /www && echo "$GREETING" > /www/index.html && echo serving && httpd -f -v -p 8080 -h /www
      ready: wget -q -O- http://127.0.0.1:8080/index.html
      ready-timeout: 20s
`,
    });
    expect(run.result.status).toBe('succeeded');
    expect(await run.output('test')).toBe('hello-from-web\n');
    const [service] = run.result.steps[0]?.services ?? [];
    expect(service).toMatchObject({
      name: 'web',
      log: 'logs/test.web.log',
      readyAfterMs: expect.any(Number),
    });
    expect(logTexts(await run.log('test.web'))).toContain('serving');
    expect(await leftovers(run.result.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('fails the step clearly when a service never becomes ready', async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `test:\n  img: ${IMG}\n  run: echo never runs\n  services:\n    web: { img: ${IMG}, run: sleep 600, ready: "false", ready-timeout: 2s }\n`,
    });
    expect(run.result.steps[0]).toMatchObject({
      status: 'failed',
      error: 'service web was not ready within 2s (its ready check last exited 1)',
    });
    expect(await leftovers(run.result.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it("runs the seed's pipeline end to end: {step} files, env lists and mappings, vol, done", async () => {
    const run = await runFiles({ 'deploy.dockercise.yaml': SEED }, { approvedGates: 'all' });
    expect(statuses(run.result)).toEqual({
      'assume-role': 'succeeded',
      'access-key-id': 'succeeded',
      'secret-access-key': 'succeeded',
      'session-token': 'succeeded',
      'get-code': 'succeeded',
      'create-stack': 'succeeded',
      'check-files': 'succeeded',
    });
    expect(run.result.status).toBe('succeeded');
    expect(await run.output('access-key-id')).toBe('AKIDEXAMPLE\n');
    expect(await run.output('create-stack')).toBe('stack infra requested in /workspace/ensemblejs\n');
    expect(await run.output('check-files')).toBe('file=/dockercise/outputs/assume-role\nread-only\n');
    const createStack = run.result.steps.find((s) => s.name === 'create-stack');
    expect(createStack?.phase).toBe('done');
    expect(createStack?.exitCode).toBe(0);
    expect(createStack?.imageDigest).toMatch(/^sha256:/);
    expect(run.result.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'approved' }]);
    expect(JSON.parse(await run.resultFile())).toEqual(run.result);
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('starts each workspace with the repository: vol shares one checkout, checkout: false starts empty', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'dockercise-repo-'));
    await mkdir(join(repo, 'src'));
    await writeFile(join(repo, 'src', 'main.c'), 'int main() {}\n');
    await writeFile(join(repo, 'build.sh'), 'echo building\n', { mode: 0o755 });
    await symlink('src/main.c', join(repo, 'main.c'));
    const run = await runFiles(
      {
        'ci.dockercise.yaml': [
          'build:',
          `  img: ${IMG}`,
          '  run: ./build.sh && cat main.c && echo made > out.txt',
          'test:',
          `  img: ${IMG}`,
          '  vol: [build]',
          '  run: cat /workspace/out.txt && ls /workspace/src',
          'lint:',
          `  img: ${IMG}`,
          '  checkout: false',
          '  run: ls -A /workspace | wc -l && echo "$DOCKERCISE_COMMIT $DOCKERCISE_BRANCH $DOCKERCISE_EVENT $DOCKERCISE_REPOSITORY"',
          '',
        ].join('\n'),
      },
      {
        workspace: folderSource(repo),
        source: { repository: 'octo/app', commit: 'c0ffee', branch: 'main' },
        context: { event: 'push', branch: 'main' },
      },
    );
    expect(statuses(run.result)).toEqual({ build: 'succeeded', test: 'succeeded', lint: 'succeeded' });
    expect(logTexts(await run.log('build'))).toEqual(['building', 'int main() {}']);
    expect(logTexts(await run.log('test'))).toEqual(['made', 'main.c']);
    expect(logTexts(await run.log('lint')).map((l) => l.trim())).toEqual(['0', 'c0ffee main push octo/app']);
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('fails a step whose done does not confirm it, keeping its run output', async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `deploy:\n  img: ${IMG}\n  run: echo deployed\n  done: echo checking; exit 4\nafter-deploy:\n  img: ${IMG}\n  run: cat {deploy}\n`,
    });
    const deploy = run.result.steps.find((s) => s.name === 'deploy');
    expect(deploy).toMatchObject({ status: 'failed', phase: 'done', exitCode: 4 });
    expect(deploy?.error).toBe("done exited with code 4: the step's work is not confirmed");
    expect(statuses(run.result)['after-deploy']).toBe('skipped');
    expect(logTexts(await run.log('deploy'))).toEqual(['deployed', 'checking']);
  });

  it('skips what comes after a failure and lets independent branches finish', async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `broken:\n  img: ${IMG}\n  run: echo about to fail >&2; exit 3\nafter-broken:\n  img: ${IMG}\n  run: cat {broken}\nlater:\n  img: ${IMG}\n  after: after-broken\n  run: "true"\nindependent:\n  img: ${IMG}\n  run: echo fine\n`,
    });
    expect(statuses(run.result)).toEqual({
      broken: 'failed',
      'after-broken': 'skipped',
      later: 'skipped',
      independent: 'succeeded',
    });
    expect(run.result.status).toBe('failed');
    expect(run.result.steps[0]).toMatchObject({ exitCode: 3, error: 'run exited with code 3' });
    expect(await run.log('broken')).toMatch(/^\S+Z err about to fail\n$/);
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('kills a step that passes its timeout', async () => {
    const started = Date.now();
    const run = await runFiles({
      'a.dockercise.yaml': `slow:\n  img: ${IMG}\n  timeout: 2s\n  run: echo starting; sleep 60\nnext:\n  img: ${IMG}\n  run: cat {slow}\n`,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(statuses(run.result)).toEqual({ slow: 'timed-out', next: 'skipped' });
    expect(run.result.steps[0]?.error).toBe('timed out after 2s');
    expect(logTexts(await run.log('slow'))).toEqual(['starting']);
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('cancels a run: containers stopped, statuses cancelled, no container or volume left', async () => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 1500);
    const started = Date.now();
    const run = await runFiles(
      {
        'a.dockercise.yaml': `one:\n  img: ${IMG}\n  run: echo up; sleep 60\ntwo:\n  img: ${IMG}\n  run: sleep 60\nthree:\n  img: ${IMG}\n  run: cat {one}\n`,
      },
      { cancel: cancel.signal },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(statuses(run.result)).toEqual({ one: 'cancelled', two: 'cancelled', three: 'cancelled' });
    expect(run.result.status).toBe('cancelled');
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('kills at once on the second signal, even a step that ignores SIGTERM', async () => {
    const cancel = new AbortController();
    const kill = new AbortController();
    setTimeout(() => cancel.abort(), 1500);
    setTimeout(() => kill.abort(), 2500);
    const started = Date.now();
    const run = await runFiles(
      {
        'a.dockercise.yaml': `stubborn:\n  img: ${IMG}\n  run: trap '' TERM; echo ready; while true; do sleep 1; done\n`,
      },
      { cancel: cancel.signal, kill: kill.signal, stopGraceSeconds: 60 },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(statuses(run.result)).toEqual({ stubborn: 'cancelled' });
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('masks secrets in every log line, also when split across two writes, and never stores them', async () => {
    const secret = 'sup3r-s3cret-t0ken';
    const run = await runFiles({
      'a.dockercise.yaml': `token:\n  img: ${IMG}\n  secret: true\n  run: echo ${secret}; echo token made >&2\nuse:\n  img: ${IMG}\n  env: [token]\n  run: |
    printf 'first half sup3r-s3'; sleep 0.3; printf 'cret-t0ken second half\\n'
    echo "stderr has $TOKEN too" >&2
    echo "file: $(cat {token})"
    test "$TOKEN" = "${secret}"
echo-it:\n  img: ${IMG}\n  run: cat {token}\n`,
    });
    expect(run.result.status).toBe('succeeded');
    // stdout and stderr are separate pipes: lines keep their order within a stream, not across the two.
    const useLog = await run.log('use');
    expect(linesOf(useLog, 'out')).toEqual(['first half *** second half', 'file: ***']);
    expect(linesOf(useLog, 'err')).toEqual(['stderr has *** too']);
    expect(logTexts(await run.log('token'))).toEqual(['token made']);
    expect(await run.output('token')).toBeUndefined();
    // A non-secret step that prints a secret gets its log masked and its output kept out of the results.
    expect(await run.output('echo-it')).toBeUndefined();
    expect(logTexts(await run.log('echo-it'))).toEqual(['***']);
    for (const text of [
      await run.resultFile(),
      ...(await Promise.all(['token', 'use', 'echo-it'].map(run.log))),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(run.result.steps[0]?.output).toBeUndefined();
  });

  it('fails a step whose stdout another step reads when it passes the output limit, with a clear error', async () => {
    const run = await runFiles(
      {
        'a.dockercise.yaml': `big:\n  img: ${IMG}\n  run: head -c 300000 /dev/zero | tr '\\\\0' x; sleep 30\nuse:\n  img: ${IMG}\n  run: wc -c {big}\n`,
      },
      { outputLimitBytes: 100_000 },
    );
    expect(statuses(run.result)).toEqual({ big: 'failed', use: 'skipped' });
    expect(run.result.steps[0]?.error).toBe(
      'stdout passed the 100000 bytes output limit; write large data to /workspace and share it with vol',
    );
  });

  it('stops at a human-click gate and says which', async () => {
    const run = await runFiles({
      'build.dockercise.yaml': `build:\n  img: ${IMG}\n  run: echo built\n`,
      'deploy.dockercise.yaml': `after: human-click\ndeploy:\n  img: ${IMG}\n  run: cat {build}\n`,
    });
    expect(statuses(run.result)).toEqual({ build: 'succeeded', deploy: 'waiting-approval' });
    expect(run.result.status).toBe('waiting-approval');
    expect(run.result.gates).toEqual([{ name: 'deploy.dockercise.yaml', status: 'waiting' }]);
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });

  it('runs independent steps in parallel up to the concurrency limit', async () => {
    const files = {
      'a.dockercise.yaml': ['a', 'b', 'c', 'd'].map((n) => `${n}:\n  img: ${IMG}\n  run: sleep 1\n`).join(''),
    };
    const run = await runFiles(files, { concurrency: 2 });
    const starts = run.result.steps.map((s) => Date.parse(s.startedAt ?? '')).sort((x, y) => x - y);
    // Two waves of two: the third step starts only once one of the first two has ended.
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeLessThan(800);
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect(run.result.status).toBe('succeeded');
  });

  it('fails a step whose image is missing and cannot be pulled, without stopping the others', async () => {
    const run = await runFiles({
      'a.dockercise.yaml': `ghost:\n  img: 127.0.0.1:9/no/such-image:1\n  run: "true"\nreal:\n  img: ${IMG}\n  run: "true"\n`,
    });
    expect(statuses(run.result)).toEqual({ ghost: 'failed', real: 'succeeded' });
    expect(run.result.steps[0]?.error).toMatch(
      /^image 127\.0\.0\.1:9\/no\/such-image:1 is not present and could not be pulled/,
    );
  });

  it("gives steps the deploy key (read-only, 0400, masked) and GitHub's host key for an SSH checkout", async () => {
    const deployKey =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
    const run = await runFiles(
      {
        'a.dockercise.yaml': `clone:\n  img: ${IMG}\n  run: |
    echo "$GIT_SSH_COMMAND"
    echo "$DOCKERCISE_REPO $DOCKERCISE_COMMIT"
    stat -c %a /dockercise/ssh/deploy_key
    sed -n 2p /dockercise/ssh/deploy_key
    cut -d' ' -f1,2 /dockercise/ssh/known_hosts
    if (echo x >> /dockercise/ssh/deploy_key) 2>/dev/null; then echo writable; fi
`,
      },
      { checkout: { url: 'git@github.com:me/app.git', commit: 'c0ffee', deployKey } },
    );
    expect(run.result.status).toBe('succeeded');
    expect(logTexts(await run.log('clone'))).toEqual([
      'ssh -i /dockercise/ssh/deploy_key -o IdentitiesOnly=yes -o UserKnownHostsFile=/dockercise/ssh/known_hosts -o StrictHostKeyChecking=yes',
      'git@github.com:me/app.git c0ffee',
      '400',
      '***',
      'github.com ssh-ed25519',
    ]);
    expect(await run.output('clone')).toBeUndefined();
    expect(await leftovers(run.runId)).toEqual({ containers: 0, volumes: 0 });
  });
});
