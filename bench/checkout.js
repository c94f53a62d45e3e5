// (k) checkouts: a hosted run's checkout on a warm host (its mirror present, one new commit) against
// a fresh `git clone` of the same repository; and the working-tree copy of `dockercise run`.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DockerEngine, GitMirrors } from '@dockercise/agent';
import { workingTree } from '../cli/dist/working-tree.js';
import { median } from './stats.js';

const IMAGE = 'dockercise-test/busybox:latest';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/**
 * `commits` commits of `blobKb` KiB of incompressible data each, over `files` paths: about
 * commits × blobKb of history in a small working tree, made with git fast-import in seconds.
 */
async function generatedRepository(root, commits, files, blobKb) {
  const bare = join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', bare);
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  const importer = spawn('git', ['-C', bare, 'fast-import', '--quiet'], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const done = new Promise((resolve, reject) =>
    importer.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import ${code}`)))),
  );
  const write = (chunk) =>
    importer.stdin.write(chunk) ? Promise.resolve() : new Promise((r) => importer.stdin.once('drain', r));
  for (let i = 1; i <= commits; i++) {
    const blob = randomBytes(blobKb * 1024);
    const message = `commit ${i}`;
    await write(
      `commit refs/heads/main\ncommitter b <b@b> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}\n`,
    );
    await write(`M 100644 inline f${i % files}.bin\ndata ${blob.length}\n`);
    await write(blob);
    await write('\n');
  }
  importer.stdin.end();
  await done;
  git(bare, 'repack', '-adq');
  return bare;
}

async function hostedCheckout(results, commits = 10_000, rounds = 3) {
  const root = await mkdtemp(join(tmpdir(), 'bench-checkout-'));
  const engine = new DockerEngine();
  try {
    const bare = await generatedRepository(root, commits, 500, 5);
    const sizeMb = Number(execFileSync('du', ['-sm', bare], { encoding: 'utf8' }).split('\t')[0]);
    const work = join(root, 'work');
    git(root, 'clone', '-q', `file://${bare}`, work);
    const url = 'git@github.com:bench/repo.git';
    // git's own rewrite sends the mirror's fetches to the generated repository, as in the tests.
    Object.assign(process.env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.file://${bare}.insteadOf`,
      GIT_CONFIG_VALUE_0: url,
    });
    const mirrors = new GitMirrors(join(root, 'agent-git'), quiet);
    const head = git(work, 'rev-parse', 'HEAD');
    (await mirrors.checkout({ url, commit: head, deployKey: 'unused' })).dispose();

    const clones = [];
    const ours = [];
    const floors = [];
    for (let round = 0; round < rounds; round++) {
      // One new commit since the mirror last fetched, as a push brings.
      await writeFile(join(work, `new${round}.txt`), `round ${round}\n`);
      git(work, 'add', '.');
      git(work, 'commit', '-qm', `new ${round}`);
      git(work, 'push', '-q', 'origin', 'HEAD:main');
      const commit = git(work, 'rev-parse', 'HEAD');

      const target = join(root, `clone${round}`);
      let started = performance.now();
      execFileSync('git', ['clone', '-q', `file://${bare}`, target]);
      clones.push(performance.now() - started);
      await rm(target, { recursive: true, force: true });

      const volume = `bench-checkout-${round}-${Date.now()}`;
      await engine.createVolume(volume, {});
      started = performance.now();
      const checkout = await mirrors.checkout({ url, commit, deployKey: 'unused' });
      await engine.importVolume(volume, IMAGE, checkout.workspace.tar());
      ours.push(performance.now() - started);
      floors.push(await unpackFloor(engine, checkout.workspace.tar()));
      await checkout.dispose();
      await engine.removeVolume(volume);
    }
    results.push({
      name: '(k) hosted checkout',
      detail: `${commits} commits, ${sizeMb} MB of history, a 2.5 MB working tree; warm mirror, one new commit, into a volume; of which the engine's unpacking alone ${(median(floors) / 1000).toFixed(2)} s; median of ${rounds}`,
      baseline: `git clone ${(median(clones) / 1000).toFixed(2)} s`,
      measured: `dockercise ${(median(ours) / 1000).toFixed(2)} s`,
      ratio: median(ours) / median(clones),
      goal: 0.2,
    });
  } finally {
    for (const key of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) delete process.env[key];
    await rm(root, { recursive: true, force: true });
  }
}

async function workingTreeCopy(results, files = 5000, rounds = 5) {
  const root = await mkdtemp(join(tmpdir(), 'bench-tree-'));
  const engine = new DockerEngine();
  try {
    git(root, 'init', '-q');
    for (let i = 0; i < files; i++) {
      if (i % 100 === 0) execFileSync('mkdir', ['-p', join(root, `d${i / 100}`)]);
      await writeFile(join(root, `d${Math.floor(i / 100)}`, `f${i}.txt`), `file ${i}\n`.repeat(20));
    }
    git(root, 'add', '.');
    git(root, 'commit', '-qm', 'tree');
    const times = [];
    const floors = [];
    for (let round = 0; round < rounds; round++) {
      const volume = `bench-tree-${round}-${Date.now()}`;
      await engine.createVolume(volume, {});
      const started = performance.now();
      const tree = await workingTree(root);
      await engine.importVolume(volume, IMAGE, tree.workspace.tar());
      times.push(performance.now() - started);
      floors.push(await unpackFloor(engine, tree.workspace.tar()));
      await engine.removeVolume(volume);
    }
    const seconds = median(times) / 1000;
    results.push({
      name: '(k2) working tree copy',
      detail: `dockercise run: ${files} files listed by git and unpacked into a workspace volume; the engine's unpacking of the same archive alone ${(median(floors) / 1000).toFixed(2)} s; median of ${rounds}`,
      baseline: 'goal 0.3 s',
      measured: `${seconds.toFixed(2)} s`,
      ratio: seconds / 0.3,
      goal: 1,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** What the engine alone takes to unpack this archive into a fresh volume, read into memory first. */
async function unpackFloor(engine, archive) {
  const chunks = [];
  for await (const chunk of archive) chunks.push(chunk);
  const volume = `bench-floor-${Date.now()}`;
  await engine.createVolume(volume, {});
  const started = performance.now();
  await engine.importVolume(volume, IMAGE, Readable.from([Buffer.concat(chunks)]));
  const ms = performance.now() - started;
  await engine.removeVolume(volume);
  return ms;
}

export async function checkoutBenchmarks(results) {
  await hostedCheckout(results);
  await workingTreeCopy(results);
}
