import { FINISHED_RUN_STATUSES, type RunView } from '@dockercise/shared';
import { A, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, onCleanup, Show } from 'solid-js';
import type { RunRef } from '../api/client.js';
import { useApi } from '../api/context.js';
import { poll } from '../api/poll.js';
import { formatDuration, formatTime, shortCommit, statusSymbol, statusWords } from '../model/format.js';
import { ConfirmButton } from './ConfirmButton.js';
import { createNotice } from './create-notice.js';
import { createRunActions } from './create-run-actions.js';
import { DagView, type Selection } from './DagView.js';
import { Loaded } from './Loaded.js';
import { GatePanel, StepPanel } from './StepPanel.js';
import { Timeline } from './Timeline.js';

/** How often an active run is read again: often while it runs, less while it waits for a person. */
export function pollInterval(run: RunView): number | undefined {
  if (FINISHED_RUN_STATUSES.has(run.status)) return undefined;
  return run.status === 'waiting-approval' ? 3000 : 1000;
}

/** The step to show first: what failed, else what runs, else a waiting gate, else the first step. */
export function defaultSelection(run: RunView): Selection | undefined {
  const failed = run.steps.find((s) => ['failed', 'timed-out'].includes(s.status));
  if (failed) return { kind: 'step', name: failed.name };
  const running = run.steps.find((s) => s.status === 'running');
  if (running) return { kind: 'step', name: running.name };
  const gate = run.gates.find((g) => g.status === 'waiting');
  if (gate) return { kind: 'gate', name: gate.name };
  const first = run.steps[0];
  return first ? { kind: 'step', name: first.name } : undefined;
}

/** How long the run took, or, while it waits for a person, how long it ran and has waited. */
export function runTime(run: RunView, now: number): string {
  if (run.status === 'waiting-approval') {
    const stopped = run.endedAt ?? latestEnd(run);
    const waited = stopped ? formatDuration(now - Date.parse(stopped)) : '—';
    return `ran ${formatDuration(run.durationMs)}, waiting for approval for ${waited}`;
  }
  const active = !FINISHED_RUN_STATUSES.has(run.status);
  return `took ${formatDuration(run.durationMs ?? (active ? now - Date.parse(run.startedAt) : undefined))}`;
}

function latestEnd(run: RunView): string | undefined {
  return run.steps
    .map((s) => s.endedAt)
    .reduce<string | undefined>((a, b) => (b && (!a || b > a) ? b : a), undefined);
}

export function RunPage(props: { run: RunRef }) {
  const api = useApi();
  const run = poll(() => api.run(props.run), pollInterval);
  const [search, setSearch] = useSearchParams<{ step?: string; gate?: string }>();
  const [now, setNow] = createSignal(Date.now());
  const notice = createNotice(run.data);
  const clock = setInterval(() => {
    const current = run.data();
    if (!current || !FINISHED_RUN_STATUSES.has(current.status)) setNow(Date.now());
  }, 1000);
  onCleanup(() => clearInterval(clock));

  const selection = createMemo<Selection | undefined>(
    () => {
      if (search.step) return { kind: 'step', name: search.step };
      if (search.gate) return { kind: 'gate', name: search.gate };
      const current = run.data();
      return current ? defaultSelection(current) : undefined;
    },
    undefined,
    { equals: (a, b) => a?.kind === b?.kind && a?.name === b?.name },
  );
  const select = (s: Selection): void =>
    setSearch(s.kind === 'step' ? { step: s.name, gate: undefined } : { gate: s.name, step: undefined });

  const active = (): boolean => {
    const current = run.data();
    return current !== undefined && !FINISHED_RUN_STATUSES.has(current.status);
  };
  /** A finished run can use no approval: its waiting gates are not offered. */
  const waitingGates = createMemo(
    () =>
      active() ? (run.data()?.gates ?? []).filter((g) => g.status === 'waiting').map((g) => g.name) : [],
    [],
    { equals: (a, b) => a.length === b.length && a.every((name, i) => name === b[i]) },
  );
  const actions = createRunActions(api, props.run, run, notice);

  createEffect(() => {
    const current = run.data();
    document.title = current
      ? `${props.run.pipeline} · ${statusWords(current.status)} · run ${current.runId} — dockercise`
      : `${props.run.pipeline} · run ${props.run.runId} — dockercise`;
  });

  return (
    <Loaded polled={run} what="run" loading="Loading the run…">
      {(data) => (
        <article class="run" aria-labelledby="run-title">
          <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href={`/${encodeURIComponent(props.run.accountId)}`}>{props.run.accountId}</A> /{' '}
            <A href={`/${encodeURIComponent(props.run.accountId)}/${encodeURIComponent(props.run.pipeline)}`}>
              {props.run.pipeline}
            </A>{' '}
            / {props.run.runId}
          </nav>
          <header class="run-header">
            <h1 id="run-title">
              <span class={`badge status-${data().status}`} data-testid="run-status">
                {statusSymbol(data().status)} {statusWords(data().status)}
              </span>{' '}
              Run {data().runId}
            </h1>
            <p class="run-facts">
              <span>
                commit <code>{shortCommit(data().source?.commit)}</code>
              </span>
              <Show when={data().source?.branch}>
                <span>
                  on <code>{data().source?.branch}</code>
                </span>
              </Show>
              <span>started {formatTime(data().startedAt)}</span>
              <Show when={(data().previousAttempts?.length ?? 0) > 0}>
                <span>
                  attempt {data().attempt ?? 1} (earlier:{' '}
                  {(data().previousAttempts ?? [])
                    .map((p) => `${p.attempt} ${statusWords(p.status)}`)
                    .join(', ')}
                  )
                </span>
              </Show>
              <span>{runTime(data(), now())}</span>
            </p>
            <div class="run-actions">
              <Show when={active()}>
                <ConfirmButton
                  label="Cancel run…"
                  question={`Cancel run ${data().runId}? Running steps are stopped and nothing more starts.`}
                  confirmLabel="Cancel the run"
                  tone="danger"
                  action={actions.cancel}
                  onDone={actions.untilItEnds}
                />
              </Show>
              {/* An invalid pipeline has no graph: a push with a fix is what runs it again. */}
              <Show when={!active() && data().graph}>
                <Show when={data().status !== 'succeeded'}>
                  <ConfirmButton
                    label="Re-run failed steps…"
                    question={`Run again what did not succeed in run ${data().runId}? Steps that succeeded keep their outputs.`}
                    confirmLabel="Re-run failed steps"
                    action={() => actions.rerun('failed')}
                    onDone={actions.untilItEnds}
                  />
                </Show>
                <ConfirmButton
                  label="Re-run all…"
                  question={`Run every step of run ${data().runId} again, as a new attempt?`}
                  confirmLabel="Re-run all"
                  action={() => actions.rerun('all')}
                  onDone={actions.untilItEnds}
                />
              </Show>
            </div>
          </header>
          <p class="notice" role="status" aria-live="polite">
            {notice.text()}
          </p>
          <Show when={run.error()}>
            {(error) => (
              <p class="banner warning" role="status">
                Lost contact with the control plane ({error().message}); showing the last known state and
                trying again.
              </p>
            )}
          </Show>
          <Show when={data().error}>
            <pre class="banner error run-error" role="alert">
              {data().error}
            </pre>
          </Show>
          <Show when={data().held}>
            <div class="banner waiting" role="status">
              <span>
                ‖ A pull request from a fork: its code runs only once you allow it (it would run with this
                repository's deploy key).
              </span>
              <ConfirmButton
                label="Allow it to run…"
                question="Run this pull request's code? Read its changes first: it runs in your AWS account."
                confirmLabel="Allow and run"
                action={actions.release}
                onDone={actions.untilItEnds}
              />
            </div>
          </Show>
          {/* Keyed by name, not by the polled objects: a poll must not rebuild an open dialog. */}
          <For each={waitingGates()}>
            {(gate) => (
              <div class="banner waiting" role="status">
                <span>
                  ‖ <strong>{gate}</strong> is waiting for approval.
                </span>
                <ConfirmButton
                  label={`Approve ${gate}…`}
                  question={`Approve ${gate}? Its steps will run.`}
                  confirmLabel="Approve and run"
                  action={() => actions.approve(gate)}
                  onDone={actions.approved}
                />
              </div>
            )}
          </For>
          <div class="run-body">
            <div class="run-main">
              <section aria-labelledby="graph-title">
                <h2 id="graph-title">Graph</h2>
                <Show
                  when={data().graph}
                  fallback={<p class="muted">This run has no graph (its pipeline did not compile).</p>}
                >
                  {(graph) => (
                    <DagView
                      graph={graph()}
                      steps={data().steps}
                      gates={data().gates}
                      selected={selection()}
                      onSelect={select}
                    />
                  )}
                </Show>
              </section>
              <section aria-labelledby="timeline-title">
                <h2 id="timeline-title">Timeline</h2>
                <Timeline
                  steps={data().steps}
                  graph={data().graph}
                  now={now()}
                  onSelect={(step) => select({ kind: 'step', name: step })}
                  ended={FINISHED_RUN_STATUSES.has(data().status)}
                />
              </section>
            </div>
            <div class="run-side">
              <Show when={selection()} keyed>
                {(selected) => (
                  <Show
                    when={
                      selected.kind === 'step'
                        ? data().steps.find((s) => s.name === selected.name)
                        : undefined
                    }
                    fallback={
                      <Show
                        when={
                          selected.kind === 'gate'
                            ? data().gates.find((g) => g.name === selected.name)
                            : undefined
                        }
                        fallback={<p class="muted">Nothing named {selected.name} in this run.</p>}
                      >
                        {(gate) => (
                          <GatePanel
                            gate={gate()}
                            canApprove={active()}
                            onApprove={actions.approve}
                            onDone={actions.approved}
                          />
                        )}
                      </Show>
                    }
                  >
                    {(step) => <StepPanel run={props.run} step={step()} />}
                  </Show>
                )}
              </Show>
            </div>
          </div>
        </article>
      )}
    </Loaded>
  );
}
