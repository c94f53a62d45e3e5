import type { RunGraph, StepResult } from '@dockercise/shared';
import { createMemo, For, Show } from 'solid-js';
import { compressedAxis, timelineOf } from '../model/critical-path.js';
import { formatDuration, statusWords } from '../model/format.js';

/**
 * When each step ran, on one axis from the run's start; the critical path — the chain of steps that
 * decided when the run ended — is marked, so what to speed up is visible.
 */
export function Timeline(props: {
  steps: readonly StepResult[];
  graph: RunGraph | undefined;
  now: number;
  onSelect: (step: string) => void;
  /** The run has ended (an invalid pipeline's run never starts a step). */
  ended?: boolean;
}) {
  const timeline = createMemo(() => timelineOf(props.steps, props.graph, props.now));
  const axis = createMemo(() => compressedAxis(timeline()));
  const percent = (ms: number): string => `${(axis().at(ms) * 100).toFixed(3)}%`;
  const widthOf = (start: number, end: number): string =>
    `${((axis().at(end) - axis().at(start)) * 100).toFixed(3)}%`;
  return (
    <Show
      when={timeline().bars.length > 0}
      fallback={<p class="muted">{props.ended ? 'No step ran.' : 'No step has started yet.'}</p>}
    >
      <div class="timeline">
        <div class="timeline-axis" aria-hidden="true">
          <span>0</span>
          <Show when={axis().gaps.length === 0}>
            <span>{formatDuration(timeline().span / 2)}</span>
          </Show>
          <span>{formatDuration(timeline().span)}</span>
        </div>
        <div class="timeline-gaps">
          <For each={axis().gaps}>
            {(gap) => (
              <span
                class="timeline-gap"
                style={{ left: percent(gap.start), width: widthOf(gap.start, gap.end) }}
                title={`nothing ran for ${formatDuration(gap.end - gap.start)} (drawn shortened)`}
              >
                ⋯ {formatDuration(gap.end - gap.start)} idle
              </span>
            )}
          </For>
        </div>
        <ul class="timeline-rows" aria-label="Timeline of the steps">
          <For each={timeline().bars}>
            {(bar) => (
              <li class="timeline-row">
                <button type="button" class="timeline-name" onClick={() => props.onSelect(bar.name)}>
                  {bar.name}
                </button>
                <div class="timeline-track">
                  <div
                    class={`timeline-bar status-${bar.status}`}
                    classList={{ critical: timeline().critical.has(bar.name), running: bar.running }}
                    style={{ left: percent(bar.start), width: `max(2px, ${widthOf(bar.start, bar.end)})` }}
                    title={`${bar.name}: ${statusWords(bar.status)}, ${formatDuration(bar.end - bar.start)}`}
                  >
                    <span class="visually-hidden">
                      {statusWords(bar.status)}, started at {formatDuration(bar.start)}, took{' '}
                      {formatDuration(bar.end - bar.start)}
                      {timeline().critical.has(bar.name) ? ', on the critical path' : ''}
                    </span>
                  </div>
                </div>
              </li>
            )}
          </For>
        </ul>
        <p class="timeline-legend">
          <span class="legend-critical" aria-hidden="true" /> critical path:{' '}
          {[...timeline().critical].reverse().join(' → ')}
        </p>
      </div>
    </Show>
  );
}
