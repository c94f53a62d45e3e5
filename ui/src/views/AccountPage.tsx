import { A } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { useApi } from '../api/context.js';
import { poll } from '../api/poll.js';
import { formatTime, HOST_WORDS, statusSymbol, statusWords } from '../model/format.js';
import { Loaded } from './Loaded.js';

/** An AWS account: its hosts, how deep its queue is, whether its stack is current, its last runs. */
export function AccountPage(props: { accountId: string }) {
  const api = useApi();
  const overview = poll(
    () => api.accountOverview(props.accountId),
    () => 10_000,
  );
  return (
    <Loaded polled={overview} what="account" loading="Loading the account…">
      {(data) => (
        <section aria-labelledby="account-title">
          <h1 id="account-title">
            AWS account <code>{data().accountId}</code> <span class="muted">{data().region}</span>
          </h1>
          <dl class="facts">
            <dt>Queue</dt>
            <dd>
              <Show when={data().queue} fallback={<span class="muted">cannot be read</span>}>
                {(queue) => `${queue().waiting} waiting, ${queue().running} being run`}
              </Show>
            </dd>
            <dt>Stack</dt>
            <dd>
              <Show when={data().stack} fallback={<span class="muted">its version cannot be read</span>}>
                {(stack) => (
                  <Show
                    when={stack().behind}
                    fallback={
                      <>
                        agent {stack().agentVersion}, the newest
                        <Show when={stack().templateVersion}>{(v) => <> (template {v()})</>}</Show>
                      </>
                    }
                  >
                    agent {stack().agentVersion}; {stack().newest} is out:{' '}
                    <Show when={stack().updateUrl} fallback={<>update the stack with the newest template</>}>
                      {(url) => (
                        <a href={url()} target="_blank" rel="noopener noreferrer">
                          update the stack
                        </a>
                      )}
                    </Show>
                    <Show when={stack().updateParameters}>
                      {(values) => (
                        <div class="update-values">
                          <p>On the console's parameters page, set (it keeps the old values otherwise):</p>
                          <dl>
                            <For each={Object.entries(values())}>
                              {([key, value]) => (
                                <>
                                  <dt>{key}</dt>
                                  <dd>
                                    <code>{value}</code>
                                  </dd>
                                </>
                              )}
                            </For>
                          </dl>
                        </div>
                      )}
                    </Show>
                    <Show when={stack().updateCommand}>
                      {(command) => (
                        <details>
                          <summary>or with the AWS CLI</summary>
                          <pre class="command">{command()}</pre>
                        </details>
                      )}
                    </Show>
                  </Show>
                )}
              </Show>
            </dd>
          </dl>
          <h2>Hosts</h2>
          <Show when={data().capacity}>
            {(capacity) => (
              <p class="muted">
                {capacity().wanted === 1 ? '1 host' : `${capacity().wanted} hosts`} asked for at{' '}
                {formatTime(capacity().requestedAt)}; each host leaves service (stopped, its disk kept) when
                idle.
              </p>
            )}
          </Show>
          <Show when={data().hosts} fallback={<p class="muted">The hosts' reports cannot be read.</p>}>
            {(hosts) => (
              <ul class="hosts">
                <For
                  each={hosts()}
                  fallback={<li class="muted">No host has reported yet: one starts for the first run.</li>}
                >
                  {(host) => (
                    <li>
                      <code>{host.instanceId}</code>{' '}
                      <span class={`host-state host-${host.state}`}>{HOST_WORDS[host.state]}</span>{' '}
                      {formatTime(host.state === 'lost' ? host.updatedAt : host.since)}
                      <Show when={host.runs.length > 0}>
                        {' '}
                        <span class="muted">({host.runs.join(', ')})</span>
                      </Show>
                      <Show when={host.detail}>{(detail) => <>: {detail()}</>}</Show>{' '}
                      <span class="muted">agent {host.agentVersion}</span>
                    </li>
                  )}
                </For>
              </ul>
            )}
          </Show>
          <h2>Last runs</h2>
          <ul class="runs">
            <For each={data().runs} fallback={<li class="muted">No run yet.</li>}>
              {(run) => (
                <li>
                  <span class={`badge status-${run.status}`}>
                    {statusSymbol(run.status)} {statusWords(run.status)}
                  </span>{' '}
                  <A href={`/${data().accountId}/${run.pipeline}/${run.runId}`}>
                    {run.pipeline} {run.runId}
                  </A>{' '}
                  <span class="muted">{formatTime(run.createdAt)}</span>
                </li>
              )}
            </For>
          </ul>
          <A href={`/${data().accountId}`}>All pipelines</A>
        </section>
      )}
    </Loaded>
  );
}
