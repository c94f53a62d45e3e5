import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@dockercise/shared';
import type { Checkout } from '@dockercise/shared/node';
import * as tar from 'tar-stream';
import { GITHUB_KNOWN_HOSTS } from '../runner/checkout.js';
import { GitError, git } from './git.js';
import { listFiles, packInto, type WorkspaceSource } from './workspace-source.js';

/** Where a step finds the mirror its checkout borrows objects from (read-only). */
export const MIRROR_MOUNT_DIR = '/dockercise/mirror';

/** A run's checkout, made from the host's mirror: its source, and the folder to remove after. */
export interface MirrorCheckout {
  workspace: WorkspaceSource;
  dispose(): Promise<void>;
}

/**
 * One bare mirror per repository on the host's disk, fetched incrementally with the job's deploy
 * key, so a warm host (its disk kept in the warm pool) fetches only what is new — the fix for slow
 * repeated clones (buildkite/agent#734). A run's checkout is the commit's files, streamed from
 * `git archive` into each workspace, and a `.git` that borrows the mirror's objects (alternates)
 * instead of copying them: the mirror is mounted read-only into the run's steps at the path the
 * alternates name, so `git log` and `git diff` work in a step without a clone. One fetch at a time
 * per repository.
 */
export class GitMirrors {
  private readonly busy = new Map<string, Promise<unknown>>();
  /** What an agent that stopped mid-run left is removed once, before the first checkout. */
  private tidied: Promise<void> | undefined;

  /** `root` on the host's disk, kept with it: the mirrors, and each run's small `.git`. */
  constructor(
    private readonly root: string,
    private readonly logger: Logger,
  ) {}

  async checkout(checkout: Checkout, branch?: string): Promise<MirrorCheckout> {
    const id = createHash('sha256').update(checkout.url).digest('hex').slice(0, 24);
    const mirror = join(this.root, 'mirrors', `${id}.git`);
    const scratch = join(this.root, 'checkouts');
    this.tidied ??= rm(scratch, { recursive: true, force: true });
    await this.tidied;
    await this.oneAtATime(mirror, () => this.update(mirror, checkout, branch));
    await mkdir(scratch, { recursive: true });
    const gitDir = await mkdtemp(join(scratch, 'run-'));
    try {
      await workspaceGitDir(gitDir, mirror, checkout);
    } catch (error) {
      await rm(gitDir, { recursive: true, force: true });
      throw error;
    }
    return {
      workspace: {
        tar: () => checkoutArchive(gitDir, mirror, checkout.commit),
        mounts: [{ source: mirror, target: MIRROR_MOUNT_DIR }],
      },
      dispose: () => rm(gitDir, { recursive: true, force: true }),
    };
  }

  /** The mirror made when missing, and fetched unless it has the commit already (a re-run, a resume). */
  private async update(mirror: string, checkout: Checkout, branch?: string): Promise<void> {
    const exists = await stat(join(mirror, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(mirror, { recursive: true });
      await git(['init', '-q', '--bare', '--template=', mirror]);
    }
    const has = await git(['-C', mirror, 'cat-file', '-e', `${checkout.commit}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (has) return;
    const started = Date.now();
    const refs = [
      '+refs/heads/*:refs/heads/*',
      ...(checkout.ref ? [`+${checkout.ref}:${checkout.ref}`] : []),
    ];
    await this.withKey(checkout, (env) =>
      git(['-C', mirror, 'fetch', '-q', '--no-tags', '--prune', checkout.url, ...refs], env),
    );
    const fetched = await git(['-C', mirror, 'cat-file', '-e', `${checkout.commit}^{commit}`]).then(
      () => true,
      () => false,
    );
    // A commit on no branch any more (force-pushed away) is still fetched by its id where the
    // server allows it (GitHub does).
    if (!fetched)
      await this.withKey(checkout, (env) =>
        git(['-C', mirror, 'fetch', '-q', '--no-tags', checkout.url, checkout.commit], env),
      );
    this.logger.info({ mirror, branch, fetchMs: Date.now() - started, fresh: !exists }, 'mirror fetched');
  }

  /** The deploy key and the Git host's key in files of their own, owner-only, for one git command. */
  private async withKey<T>(
    checkout: Checkout,
    work: (env: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'dockercise-key-'));
    try {
      const key = join(dir, 'deploy_key');
      const hosts = join(dir, 'known_hosts');
      await writeFile(
        key,
        checkout.deployKey.endsWith('\n') ? checkout.deployKey : `${checkout.deployKey}\n`,
        { mode: 0o400 },
      );
      await writeFile(hosts, checkout.knownHosts ?? GITHUB_KNOWN_HOSTS, { mode: 0o600 });
      return await work({
        GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o UserKnownHostsFile=${hosts} -o StrictHostKeyChecking=yes`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(key) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(work);
    this.busy.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.busy.get(key) === mine) this.busy.delete(key);
    }
  }
}

/**
 * The `.git` a workspace gets: the commit checked out (HEAD detached at it, its index), the
 * origin named, and no objects of its own: it borrows the mirror's, at the path the steps see it.
 */
async function workspaceGitDir(gitDir: string, mirror: string, checkout: Checkout): Promise<void> {
  for (const dir of ['refs/heads', 'refs/tags', 'objects/info'])
    await mkdir(join(gitDir, dir), { recursive: true });
  await writeFile(join(gitDir, 'HEAD'), `${checkout.commit}\n`);
  // The URL is the job's, checked against git@host:owner/repo.git: nothing in it can break the file.
  await writeFile(
    join(gitDir, 'config'),
    `[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote "origin"]\n\turl = ${checkout.url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
  );
  // The index, without writing the files anywhere: a step's first `git status` fills in their stat.
  await git(['read-tree', checkout.commit], {
    GIT_DIR: gitDir,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(mirror, 'objects'),
  });
  await writeFile(join(gitDir, 'objects', 'info', 'alternates'), `${MIRROR_MOUNT_DIR}/objects\n`);
}

/** The workspace's archive: its `.git`, then the commit's files straight from `git archive` (never on disk). */
function checkoutArchive(gitDir: string, mirror: string, commit: string): Readable {
  const pack = tar.pack();
  void (async () => {
    await packInto(pack, gitDir, await listFiles(gitDir, new Set()), '.git/');
    const archive = spawn('git', ['--git-dir', mirror, 'archive', '--format=tar', commit], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    archive.stderr.on('data', (chunk: Buffer) => {
      said = (said + chunk.toString()).slice(-2000);
    });
    const exited = new Promise<number | null>((resolve) => archive.on('close', resolve));
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const name = `data/${header.name}`;
      if (header.type === 'file') {
        stream.pipe(pack.entry({ ...header, name }, next));
      } else {
        // Folders and links as they are; git's own comment header (the commit id) is left out.
        if (header.type === 'directory' || header.type === 'symlink') pack.entry({ ...header, name });
        stream.resume();
        stream.on('end', next);
      }
    });
    await pipeline(archive.stdout, extract);
    const code = await exited;
    if (code !== 0) throw new GitError(`git archive ${commit} failed: ${said.trim() || `exit ${code}`}`);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}
