import { A } from '@solidjs/router';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { useApi } from '../api/context.js';
import { poll } from '../api/poll.js';

/** How often the page looks for the stack while it is being created. */
export const DISCOVER_EVERY_MS = 5000;

const STAGES = [
  { id: 'waiting-for-stack', words: 'Waiting for the stack' },
  { id: 'role-assumed', words: 'Role assumed; waiting for the stack to complete' },
  { id: 'connected', words: 'Queue, bucket and host reachable: connected' },
] as const;

/**
 * "Connect an AWS account": the account id and region, then the Launch Stack button; the page then
 * looks for the stack by itself and shows how far it got, until the account is connected.
 */
export function ConnectAccountPage() {
  const api = useApi();
  const [accountId, setAccountId] = createSignal('');
  const [region, setRegion] = createSignal('us-east-1');
  const [claim, setClaim] = createSignal<{ accountId: string; launchUrl: string }>();
  const [error, setError] = createSignal<string>();

  const start = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      const made = await api.claimAccount(accountId().trim(), region().trim());
      setClaim({ accountId: made.accountId, launchUrl: made.launchUrl });
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  return (
    <section aria-labelledby="connect-title">
      <h1 id="connect-title">Connect an AWS account</h1>
      <Show
        when={claim()}
        fallback={
          <form class="connect-form" onSubmit={(e) => void start(e)}>
            <label>
              AWS account id
              <input
                name="accountId"
                inputmode="numeric"
                pattern="\d{12}"
                required
                value={accountId()}
                onInput={(e) => setAccountId(e.currentTarget.value)}
              />
            </label>
            <label>
              Region
              <input
                name="region"
                required
                value={region()}
                onInput={(e) => setRegion(e.currentTarget.value)}
              />
            </label>
            <button type="submit" class="button">
              Continue
            </button>
            <Show when={error()}>
              <p class="inline-error" role="alert">
                {error()}
              </p>
            </Show>
          </form>
        }
      >
        {(made) => <Discovering accountId={made().accountId} launchUrl={made().launchUrl} />}
      </Show>
    </section>
  );
}

function Discovering(props: { accountId: string; launchUrl: string }) {
  const api = useApi();
  const found = poll(
    () => api.discover(props.accountId),
    (d) => (d.stage === 'connected' ? undefined : DISCOVER_EVERY_MS),
  );
  const reached = (id: string): boolean => {
    const stage = found.data()?.stage;
    const order = STAGES.map((s) => s.id as string);
    return stage !== undefined && order.indexOf(stage) >= order.indexOf(id);
  };
  return (
    <>
      <p>
        Create the stack in account <code>{props.accountId}</code> (keep its name, <code>dockercise</code>);
        this page finds it by itself.
      </p>
      <p>
        <a class="button" href={props.launchUrl} target="_blank" rel="noopener noreferrer">
          Launch Stack
        </a>
      </p>
      <ol class="stages" aria-live="polite">
        <For each={STAGES}>
          {(stage) => (
            <li classList={{ done: reached(stage.id) }}>
              {reached(stage.id) ? '✓ ' : '… '}
              {stage.words}
            </li>
          )}
        </For>
      </ol>
      <Switch>
        <Match when={found.data()?.stage === 'connected'}>
          <p>
            Connected. <A href={`/${props.accountId}`}>See its pipelines</A>, or connect a repository to it.
          </p>
        </Match>
        <Match when={found.data()?.detail}>
          <p class="muted">{found.data()?.detail}</p>
        </Match>
      </Switch>
      <Show when={found.error()}>
        <p class="inline-error" role="alert">
          {found.error()?.message}
        </p>
      </Show>
    </>
  );
}
