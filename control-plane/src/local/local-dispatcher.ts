import type { KeyObject } from 'node:crypto';
import type { Logger } from '@dockercise/shared';
import { LOCAL_ACCOUNT_ID, LOCAL_QUEUE, signJob } from '@dockercise/shared/node';
import { approversOf, jobBase } from '../builds/job-body.js';
import { type RunSender, sendable } from '../builds/run-sender.js';
import type { Repo, RunRecord, Store } from '../store/store.js';

/** Where the in-process agent takes its jobs from. */
export interface LocalQueue {
  send(body: string): string;
}

/**
 * Sends runs to the local server's in-process agent: the same signed job the hosted control plane
 * puts on a customer's queue (so the agent's checks all run), without a checkout — the steps read
 * the commit's snapshot instead.
 */
export class LocalDispatcher implements RunSender {
  constructor(
    private readonly store: Store,
    private readonly queue: LocalQueue,
    private readonly signingKey: KeyObject,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(run: RunRecord, known?: Repo): Promise<void> {
    const what = await sendable(this.store, run, known);
    if (!what) return;
    const { plan, repo } = what;
    const job = signJob(
      {
        ...jobBase(
          run,
          repo?.fullName ?? run.pipeline,
          this.now(),
          {
            accountId: LOCAL_ACCOUNT_ID,
            queue: LOCAL_QUEUE,
            event: 'manual',
          },
          await approversOf(this.store, run),
        ),
        plan,
      },
      this.signingKey,
    );
    this.queue.send(JSON.stringify(job));
    await this.store.markRunSent(run.runId, this.now().toISOString());
    this.logger.info({ runId: run.runId }, 'job handed to the local agent');
  }
}
