import type { Logger } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';
import { type JobQueue, QueueUnusableError } from '../queue/job-queue.js';
import { Backoff, sleep } from './backoff.js';
import type { HostReporter } from './host-reporter.js';
import type { JobHandlerDeps, JobOutcome } from './job-handler.js';
import { handleJob } from './job-handler.js';
import { RunsInProgress } from './runs-in-progress.js';

export interface AgentOptions {
  /** Jobs run at once. */
  concurrency: number;
  /** How long running jobs may take to finish after a shutdown signal before they are interrupted. */
  shutdownGraceMs: number;
  /** Stop the host after this many idle minutes; 0 never. */
  idleStopMinutes: number;
  /** SQS long-poll wait. */
  waitSeconds?: number;
}

export interface AgentDeps {
  queue: JobQueue;
  engine: ContainerEngine & { ping(): Promise<void> };
  handler: Omit<JobHandlerDeps, 'queue' | 'engine' | 'logger' | 'runsInProgress'>;
  /** Stops the machine the agent runs on; resolves with what was stopped. */
  stopHost(): Promise<string>;
  /** Says how the host stands (the account page shows it); none for an agent beside the code. */
  host?: HostReporter;
  logger: Logger;
  now?: () => number;
}

/**
 * The daemon: long-polls the queue for as many jobs as it has free slots, runs each through the
 * job handler, backs off on errors, stops its host when idle, and shuts down gracefully.
 */
export class Agent {
  private readonly stopping = new AbortController();
  private readonly interrupt = new AbortController();
  private readonly kill = new AbortController();
  private readonly active = new Set<Promise<JobOutcome>>();
  private readonly backoff = new Backoff(1000, 60_000);
  private readonly runsInProgress = new RunsInProgress();
  private graceTimer: NodeJS.Timeout | undefined;
  private lastBusy: number;
  private hostStopped = false;
  private polling = false;

  constructor(
    private readonly deps: AgentDeps,
    private readonly options: AgentOptions,
  ) {
    this.lastBusy = this.now();
    this.runsInProgress.onChange(() => this.reportState());
  }

  /** Serves until shut down; rejects only for what retrying cannot fix (the queue is gone or forbidden). */
  async run(): Promise<void> {
    const { logger, queue } = this.deps;
    await this.deps.host?.start();
    await this.waitForEngine();
    logger.info({ concurrency: this.options.concurrency }, 'agent polling for jobs');
    this.polling = true;
    this.reportState();
    try {
      while (!this.stopping.signal.aborted) {
        const free = this.options.concurrency - this.active.size;
        if (free <= 0) {
          await Promise.race([...this.active, abortion(this.stopping.signal)]);
          continue;
        }
        let jobs: Awaited<ReturnType<JobQueue['receive']>>;
        try {
          jobs = await queue.receive(free, this.options.waitSeconds ?? 20, this.stopping.signal);
          this.backoff.reset();
        } catch (error) {
          if (this.stopping.signal.aborted) break;
          if (error instanceof QueueUnusableError) throw error;
          const wait = this.backoff.next();
          logger.warn({ err: error, retryInMs: wait }, 'could not receive jobs; backing off');
          await sleep(wait, this.stopping.signal);
          continue;
        }
        for (const job of jobs) this.start(job);
        if (this.active.size > 0 || jobs.length > 0) this.lastBusy = this.now();
        await this.stopWhenIdle();
      }
    } finally {
      await Promise.allSettled(this.active);
      if (this.graceTimer) clearTimeout(this.graceTimer);
      await this.deps.host?.stop();
    }
    logger.info({}, 'agent stopped');
  }

  /** First call: stop receiving and let jobs finish within the grace period. Second call: kill at once. */
  shutdown(): void {
    const { logger } = this.deps;
    if (!this.stopping.signal.aborted) {
      logger.info(
        { running: this.active.size, graceMs: this.options.shutdownGraceMs },
        'shutting down: no new jobs',
      );
      this.stopping.abort();
      this.graceTimer = setTimeout(() => {
        if (this.active.size > 0)
          logger.warn({ running: this.active.size }, 'grace period over: interrupting running jobs');
        this.interrupt.abort();
      }, this.options.shutdownGraceMs);
      this.graceTimer.unref();
    } else {
      logger.warn({}, 'second shutdown signal: killing running jobs');
      this.interrupt.abort();
      this.kill.abort();
    }
  }

  private start(job: Parameters<typeof handleJob>[1]): void {
    const { queue, engine, handler, logger } = this.deps;
    const running = handleJob(
      { ...handler, queue, engine, logger, runsInProgress: this.runsInProgress },
      job,
      { interrupt: this.interrupt.signal, kill: this.kill.signal },
    )
      .catch((error: unknown) => {
        logger.error({ err: error, messageId: job.messageId }, 'job handling failed');
        return 'released' as JobOutcome;
      })
      .then(async (outcome) => {
        if (outcome === 'engine-down') await this.waitForEngine();
        return outcome;
      })
      .finally(() => {
        this.active.delete(running);
        this.lastBusy = this.now();
        this.reportState();
      });
    this.active.add(running);
  }

  /** Busy while it runs anything, idle otherwise; starting until it polls. */
  private reportState(): void {
    const host = this.deps.host;
    if (!host || !this.polling || host.state === 'stopped') return;
    const runs = [...this.runsInProgress];
    void host.set(this.active.size > 0 || runs.length > 0 ? 'busy' : 'idle', runs);
  }

  /** Retries the Docker engine with backoff until it answers (or the agent shuts down). */
  private async waitForEngine(): Promise<void> {
    const backoff = new Backoff(1000, 30_000);
    while (!this.stopping.signal.aborted) {
      try {
        await this.deps.engine.ping();
        return;
      } catch (error) {
        const wait = backoff.next();
        this.deps.logger.error(
          { err: error, retryInMs: wait },
          'the Docker engine is unreachable; waiting for it',
        );
        await sleep(wait, this.stopping.signal);
      }
    }
  }

  private async stopWhenIdle(): Promise<void> {
    const minutes = this.options.idleStopMinutes;
    if (minutes <= 0 || this.hostStopped || this.active.size > 0) return;
    if (this.now() - this.lastBusy < minutes * 60_000) return;
    try {
      const instance = await this.deps.stopHost();
      this.hostStopped = true;
      this.deps.logger.info({ instance, idleMinutes: minutes }, 'idle: stopping this host');
    } catch (error) {
      this.lastBusy = this.now(); // try again after another idle period, not on every poll
      this.deps.logger.warn({ err: error }, 'idle, but could not stop this host');
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function abortion(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
