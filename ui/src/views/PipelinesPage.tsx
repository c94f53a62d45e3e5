import { A, useNavigate } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { useApi } from '../api/context.js';
import { poll } from '../api/poll.js';
import { formatTime, statusSymbol, statusWords } from '../model/format.js';
import { Loaded } from './Loaded.js';

/** An account's pipelines; on the local server, also a form that runs a repository. */
export function PipelinesPage(props: { accountId: string }) {
  const api = useApi();
  const pipelines = poll(
    () => api.pipelines(props.accountId),
    () => 10_000,
  );
  return (
    <section aria-labelledby="pipelines-title">
      <h1 id="pipelines-title">Pipelines of {props.accountId}</h1>
      <Show when={props.accountId === 'local'}>
        <TriggerForm />
      </Show>
      <Loaded polled={pipelines} what="account" loading="Loading the pipelines…">
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">No pipeline has run yet.</p>}>
            <ul class="pipelines">
              <For each={list()}>
                {(p) => (
                  <li>
                    <Show when={p.lastStatus}>
                      {(status) => (
                        <span class={`badge status-${status()}`}>
                          {statusSymbol(status())} {statusWords(status())}
                        </span>
                      )}
                    </Show>{' '}
                    <A href={`/${encodeURIComponent(props.accountId)}/${encodeURIComponent(p.pipeline)}`}>
                      {p.pipeline}
                    </A>{' '}
                    <span class="muted">last run {formatTime(p.lastRunAt)}</span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>
    </section>
  );
}

/** Local mode: the same as `dockercise trigger <dir>`. */
function TriggerForm() {
  const api = useApi();
  const navigate = useNavigate();
  const [dir, setDir] = createSignal('');
  const [message, setMessage] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      const run = await api.trigger(dir());
      navigate(run.url.replace(/^\/results/, ''));
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="trigger" onSubmit={(e) => void submit(e)}>
      <label for="trigger-dir">Run a git repository on this machine (its HEAD commit)</label>
      <div class="trigger-row">
        <input
          id="trigger-dir"
          type="text"
          required
          placeholder="/home/me/src/project"
          value={dir()}
          onInput={(e) => setDir(e.currentTarget.value)}
        />
        <button type="submit" class="button primary" disabled={busy()}>
          {busy() ? 'Starting…' : 'Run'}
        </button>
      </div>
      <Show when={message()}>
        <p class="inline-error" role="alert">
          {message()}
        </p>
      </Show>
    </form>
  );
}
