import type { Logger } from '@dockercise/shared';
import type { AgentBackend } from '../backend/agent-backend.js';
import { IN_SERVICE } from '../backend/host-group.js';
import { type JobQueue, QueueUnusableError } from '../backend/job-queue.js';
import type { GitMirrors } from '../checkout/git-mirrors.js';
import type { CredentialsHost } from '../credentials/credentials-host.js';
import type { ContainerEngine } from '../engine/engine.js';
import { Backoff, sleep } from './backoff.js';
import type { DiskJanitor } from './disk-janitor.js';
import type { HostReporter } from './host-reporter.js';
import type { JobOutcome, JobSettings } from './job-handler.js';
import { handleJob } from './job-handler.js';
import { RunsInProgress } from './runs-in-progress.js';

export interface AgentOptions {
  /** Jobs run at once. */
  concurrency: number;
  /** How long running jobs may take to finish after a shutdown signal before they are interrupted. */
  shutdownGraceMs: number;
  /** Leave service (its host stopped, disk kept) after this many idle minutes; 0 never. */
  idleStopMinutes: number;
  /** SQS long-poll wait. */
  waitSeconds?: number;
  /** How long a host that asked to leave waits for its group to take it before it serves on. */
  leaveWaitMs?: number;
  /** How often it looks, meanwhile, and while it waits in the warm pool. */
  lifecyclePollMs?: number;
}

export interface AgentDeps {
  /** What the agent takes from the place it serves (backend/agent-backend.ts). */
  backend: AgentBackend;
  engine: ContainerEngine & { ping(): Promise<void> };
  /** How it runs each job. */
  jobs: JobSettings;
  /** Frees disk (images, stale volumes, old caches) before the host leaves, and when space runs low. */
  disk?: DiskJanitor;
  /** Says how the host stands (the account page shows it); none for an agent beside the code. */
  host?: HostReporter;
  /** The host's git mirrors, for jobs that carry a checkout. */
  mirrors?: GitMirrors;
  /** Steps' AWS identities (`aws-role`), for a backend that can assume roles. */
  credentials?: CredentialsHost;
  logger: Logger;
  now?: () => number;
}

/**
 * The daemon: long-polls the queue for as many jobs as it has free slots, runs each through the
 * job handler, backs off on errors, leaves service when idle, and shuts down gracefully.
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
    const { logger } = this.deps;
    const { queue } = this.deps.backend;
    await this.deps.host?.start();
    await this.waitForEngine();
    await this.enterService();
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
        await this.leaveWhenIdle();
      }
    } finally {
      await Promise.allSettled(this.active);
      if (this.graceTimer) clearTimeout(this.graceTimer);
      await this.deps.host?.stop();
      await this.deps.credentials?.close();
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
    const { backend, engine, jobs, logger, now, mirrors, credentials } = this.deps;
    const running = handleJob(
      {
        backend,
        engine,
        settings: jobs,
        logger,
        runsInProgress: this.runsInProgress,
        ...(mirrors ? { mirrors } : {}),
        ...(credentials ? { credentials } : {}),
        ...(now ? { now } : {}),
      },
      job,
      { interrupt: this.interrupt.signal, kill: this.kill.signal },
    )
      .catch((error: unknown) => {
        logger.error({ err: error, messageId: job.messageId }, 'job handling failed');
        return 'released' as JobOutcome;
      })
      .then(async (outcome) => {
        if (outcome === 'engine-down') await this.waitForEngine();
        else if (this.active.size <= 1) await this.deps.disk?.tidyIfLow().catch(() => {});
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
    if (!host || !this.polling || host.state === 'stopped' || host.state === 'leaving') return;
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

  /**
   * A host in the warm pool takes no job: it is about to be stopped. Once in service it keeps
   * itself from scale-in, so the group never takes a host that is running something.
   */
  private async enterService(): Promise<void> {
    const group = this.deps.backend.hostGroup;
    if (!group) return;
    let told = false;
    while (!this.stopping.signal.aborted) {
      const state = await group.targetState().catch(() => IN_SERVICE);
      if (state === IN_SERVICE) break;
      if (!told) this.deps.logger.info({ state }, 'not in service yet: waiting before taking jobs');
      told = true;
      await sleep(this.options.lifecyclePollMs ?? 5000, this.stopping.signal);
    }
    await this.protect(true);
  }

  private async protect(fromScaleIn: boolean): Promise<void> {
    const group = this.deps.backend.hostGroup;
    if (!group) return;
    const backoff = new Backoff(1000, 15_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await group.protect(fromScaleIn);
        return;
      } catch (error) {
        // Serving unprotected is better than not serving: at worst a scale-in ends a job, which
        // another host then runs again (host-lost).
        if (attempt >= 5 || this.stopping.signal.aborted) {
          this.deps.logger.error(
            { err: error, fromScaleIn },
            "could not set this host's scale-in protection",
          );
          return;
        }
        await sleep(backoff.next(), this.stopping.signal);
      }
    }
  }

  /**
   * After `idleStopMinutes` without a job: stop taking jobs, check that none waits, free disk,
   * drop the protection and make the group one smaller, then wait for the group to take the host
   * (it is stopped into the warm pool, and the system's shutdown stops the agent). Still in
   * service after a while — a new run raised the group again — it serves on.
   */
  private async leaveWhenIdle(): Promise<void> {
    const { logger } = this.deps;
    const { hostGroup: group, queue } = this.deps.backend;
    const minutes = this.options.idleStopMinutes;
    if (!group || minutes <= 0 || this.active.size > 0 || this.stopping.signal.aborted) return;
    if (this.now() - this.lastBusy < minutes * 60_000) return;
    await this.deps.host?.set('leaving');
    logger.info({ idleMinutes: minutes }, 'idle: leaving service');
    try {
      const waiting = await queue.waiting();
      if (waiting > 0) {
        logger.info({ waiting }, 'jobs are waiting: serving on');
        return this.serveOn();
      }
      await this.deps.disk
        ?.tidy()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not free disk'));
      await group.protect(false);
      await group.scaleInOne();
    } catch (error) {
      logger.warn({ err: error }, 'could not leave service; serving on');
      await this.protect(true);
      return this.serveOn();
    }
    const deadline = this.now() + (this.options.leaveWaitMs ?? 120_000);
    while (!this.stopping.signal.aborted && this.now() < deadline) {
      const state = await group.targetState().catch(() => IN_SERVICE);
      if (state !== IN_SERVICE) {
        logger.info({ state }, 'the group is taking this host out of service');
        // Nothing more to do: the host stops, and its shutdown stops the agent.
        await abortion(this.stopping.signal);
        return;
      }
      await sleep(this.options.lifecyclePollMs ?? 5000, this.stopping.signal);
    }
    if (this.stopping.signal.aborted) return;
    logger.info({}, 'still in service: more runs came; serving on');
    await this.protect(true);
    this.serveOn();
  }

  private serveOn(): void {
    this.lastBusy = this.now();
    void this.deps.host?.set('idle');
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
