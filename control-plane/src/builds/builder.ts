import type { Logger } from '@dockercise/shared';
import {
  type CompileResult,
  checkPipelineSizes,
  compilePipeline,
  formatDiagnostic,
  isPipelineFile,
  newRunId,
  type PipelineSource,
} from '@dockercise/shared';
import { type GitHub, GitHubRateLimitError } from '../github/github.js';
import type { Build, Store } from '../store/store.js';
import type { RunSender } from './run-sender.js';

/** How many blobs are fetched at once: GitHub asks integrations not to hammer it in parallel. */
const BLOB_CONCURRENCY = 4;
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
    private readonly compile: (sources: PipelineSource[]) => Promise<CompileResult> = async (sources) =>
      compilePipeline(sources),
    private readonly now: () => Date = () => new Date(),
  ) {}

  async build(build: Build): Promise<void> {
    const repo = await this.store.getRepo(build.repoId);
    if (!repo) {
      await this.store.finishBuild(build.deliveryId, 'failed', 'repository no longer connected');
      return;
    }
    const owner = await this.store.getUser(repo.ownerId);
    const log = { deliveryId: build.deliveryId, repo: repo.fullName, commit: build.commit };
    try {
      if (!owner) throw new Error('the repository has no owner');
      const tree = await this.github.tree(owner.token, repo.fullName, build.commit);
      if (tree.truncated)
        this.logger.warn(log, 'GitHub truncated the tree: pipeline files beyond it are not seen');
      const files = tree.tree.filter((entry) => entry.type === 'blob' && isPipelineFile(entry.path));
      // Sizes are known from the tree: a pipeline past the limits is refused before any blob is fetched.
      const oversized = checkPipelineSizes(files.map((f) => ({ path: f.path, bytes: f.size ?? 0 })));
      const compiled: CompileResult =
        oversized.length > 0
          ? { ok: false, diagnostics: oversized }
          : await this.compile(
              await mapLimit(files, BLOB_CONCURRENCY, async (file) => ({
                path: file.path,
                text: await this.github.blob(owner.token, repo.fullName, file.sha),
              })),
            );
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
        status: compiled.ok ? 'recorded' : 'invalid',
        ...(compiled.ok
          ? { plan: JSON.stringify(compiled.plan) }
          : { errors: compiled.diagnostics.map(formatDiagnostic) }),
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
      await this.dispatcher.send(run);
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

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
