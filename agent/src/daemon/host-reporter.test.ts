import type { HostReport } from '@dockercise/shared';
import { silentLogger } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { HostReporter } from './host-reporter.js';

function recorder() {
  const saved: HostReport[] = [];
  return { saved, reports: { save: async (r: HostReport) => void saved.push(r) } };
}

describe("the host's report", () => {
  it('is written when the state or the runs change, with when the state began', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const { saved, reports } = recorder();
    const reporter = new HostReporter(
      reports,
      { instanceId: 'i-1', agentVersion: '0.2.0' },
      silentLogger,
      () => now,
    );
    await reporter.start();
    now += 1000;
    await reporter.set('idle');
    await reporter.set('idle'); // no change, no write
    now += 1000;
    await reporter.set('busy', ['run-b', 'run-a']);
    now += 1000;
    await reporter.set('busy', ['run-a']);
    await reporter.stop();
    expect(saved.map((r) => [r.state, r.runs, r.since.slice(11, 19), r.updatedAt.slice(11, 19)])).toEqual([
      ['starting', [], '10:00:00', '10:00:00'],
      ['idle', [], '10:00:01', '10:00:01'],
      ['busy', ['run-a', 'run-b'], '10:00:02', '10:00:02'],
      ['busy', ['run-a'], '10:00:02', '10:00:03'],
      ['stopped', [], '10:00:03', '10:00:03'],
    ]);
    expect(saved.every((r) => r.instanceId === 'i-1' && r.agentVersion === '0.2.0')).toBe(true);
  });

  it('keeps going when a write fails, and the next one says the newest state', async () => {
    const saved: string[] = [];
    let fail = true;
    const reporter = new HostReporter(
      {
        save: async (r) => {
          if (fail) throw new Error('S3 is down');
          saved.push(r.state);
        },
      },
      { instanceId: 'i-1', agentVersion: '0.2.0' },
      silentLogger,
    );
    await reporter.start();
    fail = false;
    await reporter.set('idle');
    expect(saved).toEqual(['idle']);
  });

  it('is written again every heartbeat while nothing changes', async () => {
    const { saved, reports } = recorder();
    const reporter = new HostReporter(
      reports,
      { instanceId: 'i-1', agentVersion: '0' },
      silentLogger,
      Date.now,
      20,
    );
    await reporter.start();
    await new Promise((r) => setTimeout(r, 110));
    await reporter.stop();
    expect(saved.filter((r) => r.state === 'starting').length).toBeGreaterThanOrEqual(3);
  });
});
