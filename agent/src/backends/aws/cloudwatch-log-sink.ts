import {
  type CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogLine, LogSink, StepLog } from '../../logs/log-sink.js';
import { awsErrorName } from './clients.js';

/** CloudWatch Logs' PutLogEvents limits. */
export const CLOUDWATCH_LIMITS = {
  batchBytes: 1_048_576,
  eventOverhead: 26,
  batchEvents: 10_000,
  /** An event's message, in UTF-8 bytes, so event + overhead stays under 256 KiB. */
  eventBytes: 256 * 1024 - 26,
  /** A batch may not span more than 24 hours. */
  batchSpanMs: 24 * 60 * 60 * 1000 - 1,
} as const;

export interface CloudWatchSinkOptions {
  /** Flush at least this often while lines wait. */
  flushIntervalMs?: number;
  /** Buffered bytes past which `write` waits: the container's output pauses until CloudWatch catches up. */
  highWaterBytes?: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** One log stream per step, `<prefix><step>`, in the agent's log group. */
export class CloudWatchLogSink implements LogSink {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly streamPrefix: string,
    private readonly options: CloudWatchSinkOptions = {},
  ) {}

  open(step: string): StepLog {
    return new CloudWatchStepLog(this.client, this.group, `${this.streamPrefix}${step}`, this.options);
  }
}

interface Event {
  timestamp: number;
  message: string;
  bytes: number;
}

class CloudWatchStepLog implements StepLog {
  private readonly pending: Event[] = [];
  private pendingBytes = 0;
  private lastTimestamp = 0;
  private created: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;
  private failure: unknown;
  private readonly waiters: Array<() => void> = [];
  private readonly interval: number;
  private readonly highWater: number;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
    private readonly options: CloudWatchSinkOptions,
  ) {
    this.interval = options.flushIntervalMs ?? 1000;
    this.highWater = options.highWaterBytes ?? 4 * 1024 * 1024;
  }

  async write(lines: readonly LogLine[]): Promise<void> {
    if (this.failure) throw this.failure;
    for (const line of lines) {
      // CloudWatch wants each batch in order; a clock step backwards must not reorder lines.
      const timestamp = Math.max(line.ts, this.lastTimestamp);
      this.lastTimestamp = timestamp;
      for (const message of splitUtf8(line.text === '' ? ' ' : line.text, CLOUDWATCH_LIMITS.eventBytes)) {
        const bytes = Buffer.byteLength(message) + CLOUDWATCH_LIMITS.eventOverhead;
        this.pending.push({ timestamp, message, bytes });
        this.pendingBytes += bytes;
      }
    }
    const full =
      this.pendingBytes >= CLOUDWATCH_LIMITS.batchBytes ||
      this.pending.length >= CLOUDWATCH_LIMITS.batchEvents;
    // A writer about to wait gains nothing from the flush timer: send now.
    if (full || this.pendingBytes > this.highWater) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.interval);
    if (this.pendingBytes > this.highWater) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      while (this.pending.length > 0 || this.flushing) {
        this.kick();
        await this.flushing;
        if (this.failure) throw this.failure;
      }
      if (this.timer) clearTimeout(this.timer);
    })();
    return this.closed;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0 && !this.failure) this.timer ??= setTimeout(() => this.kick(), 0);
    });
  }

  /** Sends full batches until the buffer is empty. */
  private async drain(): Promise<void> {
    try {
      this.created ??= this.createStream();
      await this.created;
      while (this.pending.length > 0) {
        const batch = this.takeBatch();
        await this.put(batch);
        this.release();
      }
    } catch (error) {
      this.failure = error;
      this.release(true);
    }
  }

  private takeBatch(): Event[] {
    let bytes = 0;
    let count = 0;
    const first = this.pending[0]?.timestamp ?? 0;
    for (const event of this.pending) {
      if (count >= CLOUDWATCH_LIMITS.batchEvents || bytes + event.bytes > CLOUDWATCH_LIMITS.batchBytes) break;
      if (event.timestamp - first > CLOUDWATCH_LIMITS.batchSpanMs) break;
      bytes += event.bytes;
      count++;
    }
    const batch = this.pending.splice(0, Math.max(1, count));
    this.pendingBytes -= batch.reduce((sum, e) => sum + e.bytes, 0);
    return batch;
  }

  /** The SDK already retries throttling; past its attempts we wait longer rather than drop lines. */
  private async put(batch: Event[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutLogEventsCommand({
            logGroupName: this.group,
            logStreamName: this.stream,
            logEvents: batch.map((e) => ({ timestamp: e.timestamp, message: e.message })),
          }),
        );
        return;
      } catch (error) {
        const name = awsErrorName(error);
        const retryable =
          name === 'ThrottlingException' ||
          name === 'ServiceUnavailableException' ||
          (error as { $retryable?: unknown }).$retryable !== undefined;
        if (!retryable || attempt >= 6) throw error;
        this.options.onRetry?.(error, attempt);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)),
        );
      }
    }
  }

  private async createStream(): Promise<void> {
    try {
      await this.client.send(
        new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.stream }),
      );
    } catch (error) {
      // A resumed run writes on into the stream of the attempt before it.
      if (awsErrorName(error) !== 'ResourceAlreadyExistsException') throw error;
    }
  }

  private release(all = false): void {
    if (!all && this.pendingBytes > this.highWater) return;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** Cuts text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += size;
  }
  if (piece) pieces.push(piece);
  return pieces;
}
