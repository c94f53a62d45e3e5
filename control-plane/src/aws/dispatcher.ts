import type { KeyObject } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Logger, Plan } from '@dockercise/shared';
import { planKey } from '@dockercise/shared';
import { type JobBody, MAX_INLINE_JOB_BYTES, queueArn, sha256Hex, signJob } from '@dockercise/shared/node';
import { CLAIM_MS, claimFor } from '../builds/claims.js';
import { approversOf, jobBase } from '../builds/job-body.js';
import { type RunSender, sendable } from '../builds/run-sender.js';
import type { GitSsh } from '../config.js';
import type { AwsAccount, Repo, RunRecord, Store } from '../store/store.js';
import type { AccountAccess } from './account-access.js';
import type { HostCapacity } from './host-capacity.js';
import { isStaleOutputs, refreshOutputs } from './stack-refresh.js';

/**
 * Puts a recorded run on the customer's queue: sizes their host group for it, signs the job, moves
 * a plan too large for a message to their bucket, sends, and only then marks the run sent. A crash before the
 * mark leaves the run recorded, and the reconciler sends it again; a second copy of a job is
 * harmless, since the agent resumes or acknowledges a run it has seen.
 */
export class Dispatcher implements RunSender {
  constructor(
    private readonly store: Store,
    private readonly access: AccountAccess,
    private readonly capacity: HostCapacity,
    private readonly signingKey: KeyObject,
    private readonly logger: Logger,
    /** Where steps clone from: github.com unless the control plane serves a GitHub Enterprise Server. */
    private readonly git: GitSsh = { host: 'github.com' },
    /** This replica: a run is sent by the one that claims it, so two never send it at once. */
    private readonly replica = 'control-plane',
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(run: RunRecord, known?: Repo): Promise<void> {
    const now = this.now();
    const what = await sendable(this.store, run, known, {
      now,
      claim: claimFor(this.replica, CLAIM_MS.send, now),
    });
    if (!what) return;
    const { plan, repo } = what;
    const account = await this.store.getAccount(run.accountId);
    if (!account?.verifiedAt) throw new Error(`account ${run.accountId} is not registered`);
    if (!repo) throw new Error(`repository ${run.repoId} is no longer connected`);
    try {
      await this.sendTo(account, run, plan, repo);
    } catch (error) {
      // A stack update replaced what the outputs named: read them again, and try once more.
      const refreshed = isStaleOutputs(error)
        ? await refreshOutputs(this.access, this.store, account, this.now()).catch(() => undefined)
        : undefined;
      if (!refreshed) throw error;
      this.logger.warn(
        { account: account.accountId, err: error },
        "the stack's outputs changed; read them again",
      );
      await this.sendTo(refreshed, run, plan, repo);
    }
  }

  private async sendTo(account: AwsAccount, run: RunRecord, plan: Plan, repo: Repo): Promise<void> {
    if (!account.queueUrl || !account.bucket)
      throw new Error(`account ${account.accountId} is not registered`);
    const clients = await this.access.clients(account);
    // The run is counted already (recorded, not held): the group grows to what it and the others need.
    await this.capacity.ensure(account);

    const base: Omit<JobBody, 'plan' | 'planPointer'> = {
      ...jobBase(
        run,
        repo.fullName,
        this.now(),
        {
          accountId: account.accountId,
          queue: queueArn(account.queueUrl, account.region),
        },
        await approversOf(this.store, run),
      ),
      checkout: {
        url: `git@${this.git.host}:${repo.fullName}.git`,
        commit: run.commit,
        deployKey: repo.deployPrivateKey,
        ...(run.checkoutRef ? { ref: run.checkoutRef } : {}),
        ...(this.git.knownHosts ? { knownHosts: this.git.knownHosts } : {}),
      },
    };
    let message = JSON.stringify(signJob({ ...base, plan }, this.signingKey));
    if (Buffer.byteLength(message) > MAX_INLINE_JOB_BYTES) {
      const text = JSON.stringify(plan);
      const key = planKey(run.runId);
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: account.bucket,
          Key: key,
          Body: text,
          ContentType: 'application/json',
        }),
      );
      message = JSON.stringify(
        signJob(
          { ...base, planPointer: { bucket: account.bucket, key, sha256: sha256Hex(text) } },
          this.signingKey,
        ),
      );
    }
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: account.queueUrl, MessageBody: message }));
    await this.store.markRunSent(run.runId, this.now().toISOString());
    this.logger.info({ runId: run.runId, account: run.accountId }, 'job sent');
  }
}
