import type { PutLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import nock from 'nock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLOUDWATCH_LIMITS, CloudWatchLogSink } from '../src/backends/aws/cloudwatch-log-sink.js';
import type { LogLine } from '../src/logs/log-sink.js';
import { endpoint, logEvents, newAccount } from './aws-harness.js';

afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.restore();
});

/** Records every PutLogEvents the real client sends, optionally slowing it down. */
function spyOnPuts(
  client: { middlewareStack: { add: (...args: never[]) => void } },
  delayMs = 0,
): PutLogEventsCommandInput[] {
  const seen: PutLogEventsCommandInput[] = [];
  const middleware =
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: unknown }) => {
      if (context.commandName === 'PutLogEventsCommand') {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        seen.push(args.input as PutLogEventsCommandInput);
      }
      return next(args);
    };
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(middleware, {
    step: 'initialize',
    name: `spy-${Math.random()}`,
  });
  return seen;
}

const lines = (texts: string[], ts = Date.now()): LogLine[] =>
  texts.map((text, i) => ({ ts: ts + i, stream: 'stdout', text }));

describe('the CloudWatch log sink against moto', () => {
  it('keeps every batch within the service limits, splits long lines, and loses nothing', async () => {
    const account = await newAccount();
    const puts = spyOnPuts(account.aws.logs);
    const log = new CloudWatchLogSink(account.aws.logs, account.logGroup, 'p/r/').open('step');
    const many = Array.from({ length: 25_000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const long = 'é'.repeat(300_000); // 600,000 bytes: three events
    await log.write(lines(many.slice(0, 12_000)));
    await log.write(lines([long]));
    await log.write(lines(many.slice(12_000)));
    await log.close();

    for (const put of puts) {
      const events = put.logEvents ?? [];
      const bytes = events.reduce(
        (sum, e) => sum + Buffer.byteLength(e.message ?? '') + CLOUDWATCH_LIMITS.eventOverhead,
        0,
      );
      expect(events.length).toBeLessThanOrEqual(CLOUDWATCH_LIMITS.batchEvents);
      expect(bytes).toBeLessThanOrEqual(CLOUDWATCH_LIMITS.batchBytes);
      const stamps = events.map((e) => e.timestamp ?? 0);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      for (const e of events) expect(Buffer.byteLength(e.message ?? '') + 26).toBeLessThanOrEqual(256 * 1024);
    }
    expect(puts.length).toBeGreaterThanOrEqual(3);
    const stored = await logEvents(account, 'p/r/step');
    expect(stored.length).toBe(25_003);
    expect(stored.slice(0, 12_000)).toEqual(many.slice(0, 12_000));
    expect(stored.slice(12_000, 12_003).join('')).toBe(long);
    expect(stored.slice(12_003)).toEqual(many.slice(12_000));
  });

  it('pauses the writer while CloudWatch is slow: bounded buffer, nothing dropped', async () => {
    const account = await newAccount();
    const puts = spyOnPuts(account.aws.logs, 100);
    const highWaterBytes = 128 * 1024;
    const log = new CloudWatchLogSink(account.aws.logs, account.logGroup, 'p/r/', { highWaterBytes }).open(
      'slow',
    );
    const chunk = Array.from({ length: 500 }, (_, i) => `${i} ${'y'.repeat(200)}`); // ~115 KB per write
    let accepted = 0;
    let worstBacklog = 0;
    for (let w = 0; w < 20; w++) {
      await log.write(lines(chunk));
      accepted += chunk.length;
      const sent = puts.reduce((sum, p) => sum + (p.logEvents?.length ?? 0), 0);
      worstBacklog = Math.max(worstBacklog, accepted - sent);
    }
    await log.close();
    // At most the high-water mark plus one write and one batch in flight, never the whole 10,000 lines.
    expect(worstBacklog).toBeLessThan(3 * chunk.length + CLOUDWATCH_LIMITS.batchEvents / 2);
    expect((await logEvents(account, 'p/r/slow')).length).toBe(10_000);
  });

  it('retries a throttled PutLogEvents and delivers the lines', async () => {
    const account = await newAccount();
    if (!nock.isActive()) nock.activate();
    const scope = nock(endpoint(), { allowUnmocked: true })
      .post('/')
      .matchHeader('x-amz-target', 'Logs_20140328.PutLogEvents')
      .times(2)
      .reply(
        400,
        { __type: 'ThrottlingException', message: 'Rate exceeded' },
        { 'Content-Type': 'application/x-amz-json-1.1' },
      );
    const log = new CloudWatchLogSink(account.aws.logs, account.logGroup, 'p/r/').open('throttled');
    await log.write(lines(['one', 'two', 'three']));
    await log.close();
    expect(scope.isDone()).toBe(true);
    expect(await logEvents(account, 'p/r/throttled')).toEqual(['one', 'two', 'three']);
  });
});
