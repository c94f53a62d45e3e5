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
