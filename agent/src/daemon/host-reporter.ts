import { HOST_HEARTBEAT_MS, type HostReport, type HostState, type Logger } from '@dockercise/shared';
import type { HostReports } from '../backend/host-reports.js';

/**
 * Keeps the host's report current: written when its state or its runs change, and again every
 * heartbeat so a host that died is seen to be gone. Writes go one at a time, the newest state
 * last; a failed write is logged and made good by the next one, never fatal to the agent.
 */
export class HostReporter {
  private report: HostReport;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reports: HostReports,
    identity: { instanceId: string; agentVersion: string },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly heartbeatMs = HOST_HEARTBEAT_MS,
  ) {
    const at = new Date(this.now()).toISOString();
    this.report = { ...identity, state: 'starting', since: at, updatedAt: at, runs: [] };
  }

  get state(): HostState {
    return this.report.state;
  }

  /** Writes the first report and keeps it fresh. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.write(), this.heartbeatMs);
    this.timer.unref();
    return this.write();
  }

  /** Records a state; written at once when it differs from the last. */
  set(state: HostState, runs: readonly string[] = []): Promise<void> {
    const sorted = [...runs].sort();
    const same =
      state === this.report.state &&
      sorted.length === this.report.runs.length &&
      sorted.every((r, i) => r === this.report.runs[i]);
    if (same) return this.writing;
    const since = state === this.report.state ? this.report.since : new Date(this.now()).toISOString();
    this.report = { ...this.report, state, since, runs: sorted };
    return this.write();
  }

  /** The last word: the host is stopping (or the agent is), and no heartbeat follows. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.set('stopped');
  }

  private write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const report = { ...this.report, updatedAt: new Date(this.now()).toISOString() };
      try {
        await this.reports.save(report);
      } catch (error) {
        this.logger.warn({ err: error, state: report.state }, "could not write the host's report");
      }
    });
    return this.writing;
  }
}
