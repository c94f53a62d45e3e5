import { Route, Router, useParams } from '@solidjs/router';
import { ErrorBoundary, type JSX, Show } from 'solid-js';
import { ResultsApi } from './api/client.js';
import { ApiProvider } from './api/context.js';
import { AccountPage } from './views/AccountPage.js';
import { ConnectAccountPage } from './views/ConnectAccountPage.js';
import { NotFoundPage } from './views/ErrorPage.js';
import { HomePage } from './views/HomePage.js';
import { PipelinesPage } from './views/PipelinesPage.js';
import { ReposPage } from './views/ReposPage.js';
import { RunPage } from './views/RunPage.js';
import { RunsPage } from './views/RunsPage.js';

function Shell(props: { children?: JSX.Element }) {
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to the content
      </a>
      <header class="site-header">
        <a class="brand" href="/results/">
          dockercise
        </a>
        <span class="muted">results</span>
      </header>
      <main id="main" tabindex="-1">
        <ErrorBoundary
          fallback={(error: Error) => (
            <section class="error-page" role="alert">
              <h1>The viewer failed</h1>
              <p>{error.message}</p>
            </section>
          )}
        >
          {props.children}
        </ErrorBoundary>
      </main>
    </>
  );
}

// Each page is keyed by its address, so moving between runs starts a fresh page (and fresh polling).
function RunRoute() {
  const params = useParams<{ accountId: string; pipeline: string; runId: string }>();
  const ref = () => ({ accountId: params.accountId, pipeline: params.pipeline, runId: params.runId });
  return (
    <Show when={`${params.accountId}/${params.pipeline}/${params.runId}`} keyed>
      {(_key) => <RunPage run={ref()} />}
    </Show>
  );
}

function RunsRoute() {
  const params = useParams<{ accountId: string; pipeline: string }>();
  return (
    <Show when={`${params.accountId}/${params.pipeline}`} keyed>
      {(_key) => <RunsPage accountId={params.accountId} pipeline={params.pipeline} />}
    </Show>
  );
}

function AccountRoute() {
  const params = useParams<{ accountId: string }>();
  return (
    <Show when={params.accountId} keyed>
      {(accountId) => <AccountPage accountId={accountId} />}
    </Show>
  );
}

function PipelinesRoute() {
  const params = useParams<{ accountId: string }>();
  return (
    <Show when={params.accountId} keyed>
      {(accountId) => <PipelinesPage accountId={accountId} />}
    </Show>
  );
}

/** The viewer under /results/, as the control plane serves it. */
export function App(props: { api?: ResultsApi }) {
  const routes = (
    <>
      <Route path="/" component={HomePage} />
      <Route path="/connect" component={ConnectAccountPage} />
      <Route path="/repos" component={ReposPage} />
      <Route path="/accounts/:accountId" component={AccountRoute} />
      <Route path="/:accountId" component={PipelinesRoute} />
      <Route path="/:accountId/:pipeline" component={RunsRoute} />
      <Route path="/:accountId/:pipeline/:runId" component={RunRoute} />
      <Route path="*" component={NotFoundPage} />
    </>
  );
  return (
    <ApiProvider value={props.api ?? new ResultsApi()}>
      <Router base="/results" root={Shell}>
        {routes}
      </Router>
    </ApiProvider>
  );
}
