// (g) dockercise against the tools people would otherwise use on the same engine and image: a
// bash loop of `docker run --rm`, and `act` (GitHub Actions locally). Each tool is a process run
// from a shell, so start-up counts as it does for a user.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

const CLI = new URL('../cli/bin/dockercise.js', import.meta.url).pathname;
const CONCURRENCY = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** The four workloads, each as a dockercise pipeline, a bash loop and a GitHub workflow for act. */
function workloads(image) {
  const middle = Array.from({ length: 8 }, (_, i) => `m${i}`);
  return [
    {
      name: 'W1 chain of 10',
      yaml: Array.from({ length: 10 }, (_, i) =>
        step(`s${i}`, image, `echo ${i}`, i > 0 ? [`s${i - 1}`] : []),
      ).join(''),
      bash: `for i in $(seq 0 9); do docker run --rm ${image} echo $i; done`,
      act: Array.from({ length: 10 }, (_, i) => job(`s${i}`, `echo ${i}`, i > 0 ? [`s${i - 1}`] : [])),
    },
    {
      name: 'W2 16 × sleep 1 @8',
      yaml: Array.from({ length: 16 }, (_, i) => step(`p${i}`, image, 'sleep 1')).join(''),
      bash: `seq 16 | xargs -P ${CONCURRENCY} -I{} docker run --rm ${image} sleep 1`,
      act: Array.from({ length: 16 }, (_, i) => job(`p${i}`, 'sleep 1')),
    },
    {
      name: 'W3 diamond 1→8→1',
      yaml: [
        step('a', image, 'echo start'),
        ...middle.map((m, i) => step(m, image, `echo ${i}`, ['a'])),
        step('z', image, `cat ${middle.map((m) => `{${m}}`).join(' ')}`),
      ].join(''),
      bash: [
        `docker run --rm ${image} echo start > "$OUT/a"`,
        `seq 0 7 | xargs -P ${CONCURRENCY} -I{} sh -c 'docker run --rm ${image} echo {} > "$OUT/m{}"'`,
        `docker run --rm -v "$OUT:/in:ro" ${image} sh -c 'cat /in/m*'`,
      ].join('\n'),
      act: [
        job('a', 'echo start'),
        ...middle.map((m, i) => job(m, `echo "out=${i}" >> "$GITHUB_OUTPUT"`, ['a'], true)),
        job('z', `echo ${middle.map((m) => `\${{ needs.${m}.outputs.out }}`).join(' ')}`, middle),
      ],
    },
    {
      name: 'W4 200,000 lines',
      yaml: step('logs', image, 'seq 200000'),
      // 1.3 MB of stdout: past the default limit on what a step's `{step}` output may hold.
      args: ['--output-limit', String(16 * 1024 * 1024)],
      bash: `docker run --rm ${image} seq 200000 > "$OUT/log"`,
      act: [job('logs', 'seq 200000')],
    },
  ];
}

function step(name, image, run, after = []) {
  return `${name}:\n  img: ${image}\n  run: ${JSON.stringify(run)}\n${after.length ? `  after: [${after.join(', ')}]\n` : ''}`;
}

function job(name, run, needs = [], output = false) {
  return [
    `  ${name}:`,
    '    runs-on: ubuntu-latest',
    ...(needs.length ? [`    needs: [${needs.join(', ')}]`] : []),
    ...(output ? ['    outputs:', '      out: ${{ steps.s.outputs.out }}'] : []),
    '    steps:',
    `      - id: s`,
    `        run: ${JSON.stringify(run)}`,
    '        shell: sh',
  ].join('\n');
}

function findAct() {
  for (const candidate of [process.env.ACT, join(homedir(), 'go', 'bin', 'act')]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v act'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Wall time of one command, its output thrown away (a failure stops the benchmark). */
function timed(command, args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

async function prepare(workload) {
  const dir = await mkdtemp(join(tmpdir(), 'dockercise-versus-'));
  const out = join(dir, 'out');
  await mkdir(out);
  await mkdir(join(dir, 'pipeline'));
  await writeFile(join(dir, 'pipeline', 'bench.dockercise.yaml'), workload.yaml);
  await writeFile(join(dir, 'loop.sh'), `set -eu\n${workload.bash}\n`);
  await mkdir(join(dir, 'act', '.github', 'workflows'), { recursive: true });
  await writeFile(
    join(dir, 'act', '.github', 'workflows', 'bench.yml'),
    `on: push\njobs:\n${workload.act.join('\n')}\n`,
  );
  // act reads the repository's commit; a committed folder keeps it quiet.
  execFileSync(
    'sh',
    ['-c', 'git init -q && git add -A && git -c user.name=b -c user.email=b@b commit -qm b'],
    {
      cwd: join(dir, 'act'),
    },
  );
  return { dir, out };
}

export async function versusBenchmarks(results, image) {
  const act = findAct();
  if (!act)
    console.log('(g) act is not installed (go install github.com/nektos/act@latest): its column is skipped');
  for (const workload of workloads(image)) {
    const { dir, out } = await prepare(workload);
    const tools = {
      dockercise: () =>
        timed(
          process.execPath,
          [CLI, 'run', 'pipeline', '--concurrency', String(CONCURRENCY), ...(workload.args ?? [])],
          dir,
        ),
      loop: () => timed('bash', ['loop.sh'], dir, { OUT: out }),
      ...(act
        ? {
            act: () =>
              timed(
                act,
                [
                  'push',
                  '--pull=false',
                  '-P',
                  `ubuntu-latest=${image}`,
                  '--concurrent-jobs',
                  String(CONCURRENCY),
                  '--container-daemon-socket',
                  '-',
                ],
                join(dir, 'act'),
              ),
          }
        : {}),
    };
    const walls = Object.fromEntries(Object.keys(tools).map((t) => [t, []]));
    await tools.dockercise(); // the engine's caches warm, for every tool alike
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, run] of Object.entries(tools)) walls[name].push(await run());
    await rm(dir, { recursive: true, force: true });
    const ours = median(walls.dockercise);
    const loop = median(walls.loop);
    const w4 = workload.name.startsWith('W4');
    results.push({
      name: `(g) ${workload.name.split(' ')[0]} vs docker run`,
      detail: `${workload.name}, median of ${ROUNDS}`,
      baseline: `docker run loop ${loop.toFixed(0)} ms`,
      measured: `dockercise ${ours.toFixed(0)} ms`,
      ratio: ours / loop,
      goal: w4 ? 1.2 : 0.95,
    });
    if (walls.act) {
      const theirs = median(walls.act);
      results.push({
        name: `(g) ${workload.name.split(' ')[0]} vs act`,
        detail: `${workload.name}, median of ${ROUNDS}`,
        baseline: `act ${theirs.toFixed(0)} ms`,
        measured: `dockercise ${ours.toFixed(0)} ms`,
        ratio: ours / theirs,
        goal: w4 ? null : 0.5,
      });
    }
  }
}
