import { A, Navigate } from '@solidjs/router';
import { createResource, For, Match, Show, Switch } from 'solid-js';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/context.js';
import { ErrorPage } from './ErrorPage.js';

/** `/results/`: the local server's pipelines; on the hosted control plane, how results are reached. */
export function HomePage() {
  const api = useApi();
  const [local] = createResource(() => api.localAccount());
  return (
    <Switch
      fallback={
        <p class="loading" role="status">
          Loading…
        </p>
      }
    >
      <Match when={local.error}>
        <ErrorPage
          error={local.error instanceof ApiError ? local.error : new ApiError('broken', String(local.error))}
          what="viewer"
        />
      </Match>
      <Match when={local()}>{(accountId) => <Navigate href={`/${accountId()}`} />}</Match>
      <Match when={local.state === 'ready'}>
        <HostedHome />
      </Match>
    </Switch>
  );
}

/** The hosted control plane's home: sign in, or the user's AWS accounts and how to add one. */
function HostedHome() {
  const api = useApi();
  const [me] = createResource(() => api.me());
  const [accounts] = createResource(me, () => api.accounts());
  return (
    <Show
      when={me()}
      fallback={
        <Show when={me.state === 'ready'} fallback={<p class="loading">Loading…</p>}>
          <section class="landing">
            <h1>CI in your own AWS account</h1>
            <p>Every step a container; every build on a host in your account, its results in your bucket.</p>
            <a class="button" href="/auth/login">
              Sign in with GitHub
            </a>
          </section>
        </Show>
      }
    >
      {(login) => (
        <section>
          <h1>Signed in as {login()}</h1>
          <h2>Your AWS accounts</h2>
          <ul class="accounts">
            <For each={accounts() ?? []} fallback={<li class="muted">None connected yet.</li>}>
              {(account) => (
                <li>
                  <Show when={account.connected} fallback={<code>{account.accountId}</code>}>
                    <A href={`/accounts/${account.accountId}`}>
                      <code>{account.accountId}</code>
                    </A>
                  </Show>{' '}
                  <span class="muted">
                    {account.region}
                    {account.connected ? '' : ', being connected'}
                  </span>
                </li>
              )}
            </For>
          </ul>
          <p>
            <A class="button" href="/connect">
              Connect an AWS account
            </A>{' '}
            <A class="button quiet" href="/repos">
              Repositories
            </A>
          </p>
        </section>
      )}
    </Show>
  );
}
