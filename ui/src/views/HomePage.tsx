import { Navigate } from '@solidjs/router';
import { createResource, Match, Switch } from 'solid-js';
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
        <section>
          <h1>Results</h1>
          <p>
            Every run has its page at{' '}
            <code>/results/&lt;aws-account-id&gt;/&lt;pipeline&gt;/&lt;run-id&gt;</code>; the link is in the
            commit status dockercise sets on GitHub. An account's pipelines are at{' '}
            <code>/results/&lt;aws-account-id&gt;</code>.
          </p>
        </section>
      </Match>
    </Switch>
  );
}
