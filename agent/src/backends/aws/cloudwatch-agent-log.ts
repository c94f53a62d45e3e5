import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { StepLog } from '../../logs/log-sink.js';
import { CloudWatchLogSink } from './cloudwatch-log-sink.js';

/** Lines kept while CloudWatch is slow or unreachable; past it the oldest go (journald has them all). */
const MAX_PENDING = 10_000;

/**
 * The agent's own log lines, also in the stack's log group (`hosts/<instance-id>/agent`), so a
 * host can be debugged without a shell on it. Never blocks the agent: lines wait in a bounded
 * buffer and go out in batches, one write at a time.
 */
export class CloudWatchAgentLog {
  private readonly stream: StepLog;
  private pending: string[] = [];
  private dropped = 0;
  private sending = false;

  constructor(client: CloudWatchLogsClient, group: string, instanceId: string) {
    this.stream = new CloudWatchLogSink(client, group, `hosts/${instanceId}/`).open('agent');
  }

  write(line: string): void {
    this.pending.push(line.trimEnd());
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    void this.send();
  }

  async close(): Promise<void> {
    await this.send();
    await this.stream.close().catch(() => {});
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        if (this.dropped > 0) {
          batch.unshift(`{"msg":"${this.dropped} agent log lines dropped while CloudWatch was unreachable"}`);
          this.dropped = 0;
        }
        const ts = Date.now();
        await this.stream
          .write(batch.map((text) => ({ ts, stream: 'stderr' as const, text })))
          .catch(() => {});
      }
    } finally {
      this.sending = false;
    }
  }
}
