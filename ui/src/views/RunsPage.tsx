import { FINISHED_RUN_STATUSES, type RunSummary } from '@dockercise/shared';
import { A } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { useApi } from '../api/context.js';
import { poll } from '../api/poll.js';
import { formatDuration, formatTime, shortCommit, statusSymbol, statusWords } from '../model/format.js';
import { Loaded } from './Loaded.js';

/** A pipeline's runs, newest first; re-read while any of them is still going. */
export function RunsPage(props: { accountId: string; pipeline: string }) {
  const api = useApi();
  const runs = poll(
    () => api.runs(props.accountId, props.pipeline),
    (list: RunSummary[]) => (list.some((r) => !FINISHED_RUN_STATUSES.has(r.status)) ? 2000 : 15_000),
  );
  const base = (): string => `/${encodeURIComponent(props.accountId)}/${encodeURIComponent(props.pipeline)}`;
  return (
    <section aria-labelledby="runs-title">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <A href={`/${encodeURIComponent(props.accountId)}`}>{props.accountId}</A> / {props.pipeline}
      </nav>
      <h1 id="runs-title">Runs of {props.pipeline}</h1>
      <Loaded polled={runs} what="pipeline" loading="Loading the runs…">
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">This pipeline has no runs yet.</p>}>
            <div class="table-wrap">
              <table class="runs">
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Run</th>
                    <th scope="col">Commit</th>
                    <th scope="col">Branch</th>
                    <th scope="col">Started by</th>
                    <th scope="col">Started</th>
                    <th scope="col">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(run) => (
                      <tr>
                        <td>
                          <span class={`badge status-${run.status}`}>
                            {statusSymbol(run.status)} {statusWords(run.status)}
                          </span>
                        </td>
                        <td>
                          <A href={`${base()}/${encodeURIComponent(run.runId)}`}>{run.runId}</A>
                        </td>
                        <td class="commit-cell">
                          <code>{shortCommit(run.commit)}</code>
                          <Show when={run.message}>
                            {(message) => <span class="commit-message"> {message()}</span>}
                          </Show>
                        </td>
                        <td>{run.branch ?? '—'}</td>
                        <td>{run.triggeredBy ?? '—'}</td>
                        <td>{formatTime(run.startedAt)}</td>
                        <td>{formatDuration(run.durationMs)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Loaded>
    </section>
  );
}
