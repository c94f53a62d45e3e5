import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { Logger } from '@dockercise/shared';
import type { AwsAccount, Store } from '../store/store.js';
import type { AccountAccess } from './account-access.js';

/** What Auto Scaling answers while the group is busy (a host stopping into the warm pool, say). */
const BUSY = new Set([
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ResourceContention',
  'Throttling',
]);

/** Retries while the group is busy: from 5 s, doubling, for about five minutes in all. */
const RETRY_DELAYS_MS = [5_000, 10_000, 20_000, 40_000, 80_000, 160_000];

/**
 * Sets how many hosts an account's group runs: as many as its runs that need a host want (each
 * host takes `jobsPerHost`), at least one, never more than `maxHosts`. The control plane only
 * raises it this way; hosts lower it themselves when idle. Setting it is idempotent, so a repeat
 * (the reconciler's, for a stranded run) costs one request and changes nothing.
 */
export class HostCapacity {
  private readonly retrying = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: Store,
    private readonly access: AccountAccess,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly delaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /**
   * The number asked for. A busy group is retried in the background with back-off, beyond the
   * minute a host takes to stop, so the job already on the queue finds a host; any other refusal
   * is thrown (the outputs may be stale: see stack-refresh.ts).
   */
  async ensure(account: AwsAccount): Promise<number> {
    const wanted = await this.wanted(account);
    try {
      await this.set(account, wanted);
    } catch (error) {
      if (!BUSY.has(errorName(error))) throw error;
      this.retryLater(account, 0);
    }
    return wanted;
  }

  async wanted(account: AwsAccount): Promise<number> {
    const active = await this.store.activeRunCount(account.accountId);
    const perHost = Math.max(1, account.jobsPerHost ?? 1);
    return Math.min(Math.max(1, account.maxHosts ?? 1), Math.max(1, Math.ceil(active / perHost)));
  }

  /** Stops the background retries (shutting down). */
  close(): void {
    for (const timer of this.retrying.values()) clearTimeout(timer);
    this.retrying.clear();
  }

  private async set(account: AwsAccount, wanted: number): Promise<void> {
    if (!account.hostGroup) throw new StackOutdatedError(account.accountId);
    const { autoscaling } = await this.access.clients(account);
    await autoscaling.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: account.hostGroup,
        DesiredCapacity: wanted,
        HonorCooldown: false,
      }),
    );
    await this.store.saveCapacityRequest(account.accountId, wanted, this.now().toISOString());
    this.logger.info({ account: account.accountId, hosts: wanted }, 'host capacity set');
  }

  private retryLater(account: AwsAccount, attempt: number): void {
    const delay = this.delaysMs[attempt];
    if (delay === undefined || this.retrying.has(account.accountId)) return;
    this.logger.warn(
      { account: account.accountId, retryInMs: delay },
      'the host group is busy; trying again',
    );
    const timer = setTimeout(async () => {
      this.retrying.delete(account.accountId);
      try {
        await this.set(account, await this.wanted(account));
      } catch (error) {
        if (BUSY.has(errorName(error))) this.retryLater(account, attempt + 1);
        else this.logger.warn({ account: account.accountId, err: error }, 'could not set the host capacity');
      }
    }, delay);
    timer.unref();
    this.retrying.set(account.accountId, timer);
  }
}

/** The account's registered outputs name no host group: a stack from before groups. */
export class StackOutdatedError extends Error {
  override readonly name = 'StackOutdatedError';
  constructor(accountId: string) {
    super(`account ${accountId}'s stack has no host group: update it to the newest template`);
  }
}

const errorName = (error: unknown): string => (error as { name?: string }).name ?? '';
