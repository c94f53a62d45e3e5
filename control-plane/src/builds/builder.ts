import { type Logger, newRunId } from '@dockercise/shared';
import { type GitHub, GitHubRateLimitError } from '../github/github.js';
import { GitHubSource } from '../github/github-source.js';
import type { Build, Repo, Store } from '../store/store.js';
import { type Compile, compileSource, runOutcome } from './pipeline-source.js';
import type { RunSender } from './run-sender.js';

const MAX_ATTEMPTS = 5;

/** The pipeline's name in results URLs and S3 keys: the repository's full name, `/` made `.`. */
export const pipelineName = (fullName: string): string => fullName.replace('/', '.');

/**
 * Turns a recorded push into a run: every pipeline file at the pushed commit (recursive tree, then
 * blobs), compiled with @dockercise/shared. An invalid pipeline becomes an `invalid` run carrying its
 * errors, and nothing is sent. A rate limit defers the build to GitHub's reset time.
 */
export class Builder {
  constructor(
    private readonly store: Store,
    private readonly github: GitHub,
    private readonly dispatcher: RunSender,
    private readonly logger: Logger,
    /** Compiles off the event loop and within a time limit in production (PipelineCompiler). */
    private readonly compile?: Compile,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `repo` when the caller has just read it (the webhook): a delivery reads its repository once. */
  async build(build: Build, known?: Repo): Promise<void> {
    const repo = known?.id === build.repoId ? known : await this.store.getRepo(build.repoId);
    if (!repo) {
      await this.store.finishBuild(build.deliveryId, 'failed', 'repository no longer connected');
      return;
    }
    const owner = await this.store.getUser(repo.ownerId);
    const log = { deliveryId: build.deliveryId, repo: repo.fullName, commit: build.commit };
    try {
      if (!owner) throw new Error('the repository has no owner');
      const source = new GitHubSource(this.github, owner.token, repo.fullName, build.commit, this.logger);
      const compiled = await compileSource(source, this.compile);
      if (!compiled.ok && compiled.empty) {
        // A branch without pipeline files is not a CI branch: no run, no status, nothing to see.
        await this.store.finishBuild(build.deliveryId, 'done');
        this.logger.info(log, 'no pipeline file at the commit: nothing to build');
        return;
      }
      const run = await this.store.recordRun({
        runId: newRunId(this.now()),
        repoId: repo.id,
        accountId: repo.accountId,
        pipeline: pipelineName(repo.fullName),
        commit: build.commit,
        ...(build.branch ? { branch: build.branch } : {}),
        ...(build.message ? { message: build.message } : {}),
        ...(build.triggeredBy ? { triggeredBy: build.triggeredBy } : {}),
        ...(build.changed ? { changed: build.changed } : {}),
        deliveryId: build.deliveryId,
        ...(build.event ? { event: build.event } : {}),
        ...runOutcome(compiled),
        ...(build.held ? { held: true } : {}),
        ...(build.checkoutRef ? { checkoutRef: build.checkoutRef } : {}),
        ...(build.defaultBranch ? { defaultBranch: build.defaultBranch } : {}),
        ...(build.tag ? { tag: build.tag } : {}),
        approvedGates: [],
        createdAt: this.now().toISOString(),
      });
      await this.store.finishBuild(build.deliveryId, 'done');
      if (run.status === 'invalid') {
        this.logger.info(
          { ...log, runId: run.runId, errors: run.errors?.length },
          'invalid pipeline: a failed run, nothing sent',
        );
        return;
      }
      await this.dispatcher.send(run, repo);
    } catch (error) {
      if (error instanceof GitHubRateLimitError) {
        await this.store.deferBuild(build.deliveryId, error.resetAt.toISOString(), error.message);
        this.logger.warn(
          { ...log, resetAt: error.resetAt },
          'GitHub rate limit: build deferred to the reset',
        );
      } else if (build.attempts + 1 >= MAX_ATTEMPTS) {
        await this.store.finishBuild(build.deliveryId, 'failed', (error as Error).message);
        this.logger.error({ ...log, err: error }, 'build failed for good');
      } else {
        const wait = 2 ** build.attempts * 30_000;
        await this.store.deferBuild(
          build.deliveryId,
          new Date(this.now().getTime() + wait).toISOString(),
          (error as Error).message,
        );
        this.logger.warn({ ...log, err: error }, 'build failed; will retry');
      }
    }
  }
}
