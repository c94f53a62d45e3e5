import { randomUUID } from 'node:crypto';
import type { JobQueue, QueuedJob } from '../../backend/job-queue.js';

interface Message {
  messageId: string;
  body: string;
  visibleAt: number;
  receiveCount: number;
  /** The handle of the latest receipt: an older holder can no longer delete or extend it. */
  /** Set while an agent holds the message; cleared when it is released. */
  receiptHandle?: string | undefined;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  reason: string;
}

/**
 * An in-process queue with SQS's contract — at-least-once delivery, visibility leases, release with
 * a delay, a dead-letter list — for the local server's in-process agent. It lives in memory: jobs
 * die with the process (the local server resends unfinished runs when it starts).
 */
export class MemoryJobQueue implements JobQueue {
  private readonly messages = new Map<string, Message>();
  private readonly waiters = new Set<() => void>();
  readonly deadLetters: DeadLetter[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  send(body: string): string {
    const messageId = randomUUID();
    this.messages.set(messageId, { messageId, body, visibleAt: 0, receiveCount: 0 });
    this.wake();
    return messageId;
  }

  get size(): number {
    return this.messages.size;
  }

  async receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<QueuedJob[]> {
    const deadline = this.now() + waitSeconds * 1000;
    for (;;) {
      const jobs = this.take(max);
      if (jobs.length > 0 || signal.aborted) return jobs;
      const left = deadline - this.now();
      if (left <= 0) return [];
      await this.nextChange(Math.min(left, this.untilNextVisible()), signal);
    }
  }

  /** Every message not yet acknowledged that no one holds right now. */
  async waiting(): Promise<number> {
    const now = this.now();
    return [...this.messages.values()].filter((m) => m.visibleAt <= now).length;
  }

  async delete(job: QueuedJob): Promise<void> {
    const message = this.held(job);
    if (message) this.messages.delete(message.messageId);
  }

  async extend(job: QueuedJob, seconds: number): Promise<void> {
    const message = this.held(job);
    if (message) message.visibleAt = this.now() + seconds * 1000;
  }

  async release(job: QueuedJob, delaySeconds: number): Promise<void> {
    const message = this.held(job);
    if (!message) return;
    message.visibleAt = this.now() + delaySeconds * 1000;
    message.receiptHandle = undefined;
    this.wake();
  }

  async deadLetter(job: QueuedJob, reason: string): Promise<void> {
    const message = this.held(job);
    if (!message) return;
    this.messages.delete(message.messageId);
    this.deadLetters.push({ messageId: message.messageId, body: message.body, reason });
  }

  private take(max: number): QueuedJob[] {
    const now = this.now();
    const jobs: QueuedJob[] = [];
    for (const message of this.messages.values()) {
      if (jobs.length >= max) break;
      if (message.visibleAt > now) continue;
      message.receiveCount += 1;
      message.receiptHandle = randomUUID();
      // Like SQS's default visibility: the receiver sets its own lease right after.
      message.visibleAt = now + 30_000;
      jobs.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        receiveCount: message.receiveCount,
      });
    }
    return jobs;
  }

  private held(job: QueuedJob): Message | undefined {
    const message = this.messages.get(job.messageId);
    return message?.receiptHandle === job.receiptHandle ? message : undefined;
  }

  private untilNextVisible(): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const message of this.messages.values()) soonest = Math.min(soonest, message.visibleAt - this.now());
    return Math.max(10, soonest);
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  private nextChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
