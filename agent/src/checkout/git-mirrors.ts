import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@dockercise/shared';
import type { Checkout } from '@dockercise/shared/node';
import { GITHUB_KNOWN_HOSTS } from '../runner/checkout.js';
import { archiveSource } from './archive-source.js';
import { borrowGit } from './borrowed-git.js';
import { git } from './git.js';
import type { WorkspaceSource } from './workspace-source.js';

/** A run's checkout, made from the host's mirror: its source, and the folder to remove after. */
export interface MirrorCheckout {
  workspace: WorkspaceSource;
  dispose(): Promise<void>;
}

/**
 * One bare mirror per repository on the host's disk, fetched incrementally with the job's deploy
 * key, so a warm host (its disk kept in the warm pool) fetches only what is new — the fix for slow
 * repeated clones (buildkite/agent#734). A run's checkout is the commit's files, streamed from
 * `git archive` into each workspace, and a `.git` that borrows the mirror's objects (see
 * `borrowGit`). One fetch at a time per repository.
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
    const borrowed = await borrowGit(scratch, mirror, checkout.commit, checkout.url);
    return { workspace: archiveSource(mirror, checkout.commit, borrowed), dispose: borrowed.dispose };
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
