import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger } from '@dockercise/shared';
import { newRunId } from '@dockercise/shared';
import { LOCAL_ACCOUNT_ID } from '@dockercise/shared/node';
import { compileSource, runOutcome } from '../builds/pipeline-source.js';
import type { RunSender } from '../builds/run-sender.js';
import type { RunRecord, Store, User } from '../store/store.js';
import { gitHead } from './git.js';
import { LocalGitSource } from './local-git-source.js';
import type { RunSources } from './run-sources.js';

/** The local server's one account: the id its jobs are bound to. */
export const LOCAL_ACCOUNT = LOCAL_ACCOUNT_ID;

/** A local repository's pipeline name: its folder's name, in the characters run URLs allow. */
export function localPipelineName(root: string): string {
  const base = root.split('/').filter(Boolean).pop() ?? '';
  const name = base
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return name || 'local';
}

/**
 * A run of a local git repository at HEAD — the local server's stand-in for a push: the pipeline
 * files are read from the commit (not the working tree, as a push would), compiled, recorded, and
 * the commit's tree is snapshotted, to start every workspace of the run with it.
 */
export class LocalTrigger {
  constructor(
    private readonly store: Store,
    private readonly dispatcher: RunSender,
    private readonly user: User,
    /** Where each run's source is taken to. */
    private readonly sources: RunSources,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async trigger(dir: string): Promise<RunRecord> {
    const head = await gitHead(resolve(dir));
    const pipeline = await compileSource(new LocalGitSource(head));
    const runId = newRunId(this.now());
    if (pipeline.ok) await this.sources.take(runId, head.root, head.commit);
    const run = await this.store.recordRun({
      runId,
      repoId: await this.repoFor(head.root),
      accountId: LOCAL_ACCOUNT,
      pipeline: localPipelineName(head.root),
      commit: head.commit,
      ...(head.branch ? { branch: head.branch } : {}),
      ...(head.message ? { message: head.message } : {}),
      triggeredBy: `dockercise trigger by ${this.user.login}`,
      ...runOutcome(pipeline),
      approvedGates: [],
      createdAt: this.now().toISOString(),
    });
    this.logger.info(
      { runId, repo: head.root, commit: head.commit, status: run.status },
      'local run recorded',
    );
    if (run.status === 'recorded') await this.dispatcher.send(run);
    return run;
  }

  /** The repository's record, made on its first run; its id is derived from its path. */
  private async repoFor(root: string): Promise<number> {
    const existing = await this.store.getRepoByName(root);
    if (existing) return existing.id;
    const id = createHash('sha256').update(root).digest().readUIntBE(0, 6);
    await this.store.saveRepo({
      id,
      fullName: root,
      ownerId: this.user.id,
      accountId: LOCAL_ACCOUNT,
      webhookSecret: '',
      deployPrivateKey: '',
    });
    return id;
  }
}
