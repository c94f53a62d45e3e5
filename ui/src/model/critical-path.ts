import type { RunGraph, StepResult } from '@dockercise/shared';

export interface Bar {
  name: string;
  status: StepResult['status'];
  /** Milliseconds from the run's start. */
  start: number;
  end: number;
  running: boolean;
}

export interface Timeline {
  bars: Bar[];
  /** From the run's start to its end (or now, while it runs). */
  span: number;
  /** The chain of steps that decided when the run ended: each waited on the one before it. */
  critical: Set<string>;
}

/**
 * The steps that ran, on one time axis, and the critical path through them: from the step that
 * ended last, walk back through the need that ended last, until a step that waited on nothing.
 */
export function timelineOf(steps: readonly StepResult[], graph: RunGraph | undefined, now: number): Timeline {
  const started = steps.filter((s) => s.startedAt);
  if (started.length === 0) return { bars: [], span: 0, critical: new Set() };
  const origin = Math.min(...started.map((s) => Date.parse(s.startedAt as string)));
  const bars = started
    .map((s) => {
      const start = Date.parse(s.startedAt as string) - origin;
      const end = s.endedAt ? Date.parse(s.endedAt) - origin : Math.max(start, now - origin);
      return { name: s.name, status: s.status, start, end, running: !s.endedAt };
    })
    .sort((a, b) => a.start - b.start || a.name.localeCompare(b.name));
  const span = Math.max(1, ...bars.map((b) => b.end));

  const byName = new Map(bars.map((b) => [b.name, b]));
  const needs = new Map((graph?.steps ?? []).map((s) => [s.name, s.needs]));
  const critical = new Set<string>();
  let current = [...bars].sort((a, b) => b.end - a.end)[0];
  while (current && !critical.has(current.name)) {
    critical.add(current.name);
    let next: Bar | undefined;
    for (const need of needs.get(current.name) ?? []) {
      const bar = byName.get(need);
      if (bar && (!next || bar.end > next.end)) next = bar;
    }
    current = next;
  }
  return { bars, span, critical };
}

/** A stretch of the run with no step running, long enough to be drawn shortened. */
export interface IdleGap {
  /** Milliseconds from the run's start. */
  start: number;
  end: number;
}

/** Where a time falls on the axis (0 to 1), with long idle stretches drawn short. */
export interface Axis {
  at(ms: number): number;
  gaps: IdleGap[];
}

/**
 * A run that waited an hour at a gate would draw its steps as slivers beside an hour of nothing.
 * Idle stretches longer than a fifth of the time steps ran (and over 5 s) are drawn as a short,
 * marked break, each as wide as 4% of the busy time.
 */
export function compressedAxis(timeline: Timeline): Axis {
  const spans = [...timeline.bars].sort((a, b) => a.start - b.start);
  const idle: IdleGap[] = [];
  let reached = 0;
  for (const bar of spans) {
    if (bar.start > reached) idle.push({ start: reached, end: bar.start });
    reached = Math.max(reached, bar.end);
  }
  const idleTotal = idle.reduce((sum, g) => sum + g.end - g.start, 0);
  const busy = Math.max(1, timeline.span - idleTotal);
  const gaps = idle.filter((g) => g.end - g.start > Math.max(5000, busy / 5));
  const shown = busy * 0.04;
  const saved = (gap: IdleGap): number => gap.end - gap.start - shown;
  const length = timeline.span - gaps.reduce((sum, g) => sum + saved(g), 0);
  return {
    gaps,
    at: (ms) => {
      let position = ms;
      for (const gap of gaps) {
        if (ms >= gap.end) position -= saved(gap);
        else if (ms > gap.start)
          position = position - (ms - gap.start) + ((ms - gap.start) / (gap.end - gap.start)) * shown;
      }
      return Math.min(1, Math.max(0, position / length));
    },
  };
}
