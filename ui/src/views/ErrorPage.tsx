import { Match, Switch } from 'solid-js';
import type { ApiError } from '../api/client.js';

/** A clear page for each way a load fails: never a blank one. */
export function ErrorPage(props: { error: ApiError; what: string; onRetry?: () => void }) {
  return (
    <section class="error-page" role="alert" aria-labelledby="error-title">
      <Switch
        fallback={
          <>
            <h1 id="error-title">Something went wrong</h1>
            <p>
              The {props.what} could not be shown: {props.error.message}.
            </p>
          </>
        }
      >
        <Match when={props.error.kind === 'not-found'}>
          <h1 id="error-title">Not found</h1>
          <p>
            {/* The server's words say it already ("no such run"): not said twice. */}
            {props.error.message.startsWith('no such')
              ? `There is ${props.error.message}`
              : `There is no such ${props.what}: ${props.error.message}`}
            . Check the address, or <a href={upOneLevel(window.location.pathname)}>go back to the list</a>.
          </p>
        </Match>
        <Match when={props.error.kind === 'not-allowed'}>
          <h1 id="error-title">Not allowed</h1>
          <p>
            You may not see this {props.what}: {props.error.message}.{' '}
            <a href={`/auth/login?return=${encodeURIComponent(window.location.pathname)}`}>
              Sign in with GitHub
            </a>{' '}
            as a user who owns the account.
          </p>
        </Match>
        <Match when={props.error.kind === 'unreachable'}>
          <h1 id="error-title">The control plane is unreachable</h1>
          <p>
            The {props.what} could not be loaded because the dockercise control plane did not answer (
            {props.error.message}). It will be tried again shortly.
          </p>
        </Match>
      </Switch>
      {props.onRetry && (
        <button type="button" class="button" onClick={() => props.onRetry?.()}>
          Try again
        </button>
      )}
    </section>
  );
}

/** For addresses the viewer has no page for. */
export function NotFoundPage() {
  return (
    <section class="error-page" role="alert" aria-labelledby="error-title">
      <h1 id="error-title">Not found</h1>
      <p>
        This address is not a page of the results viewer. Results live at{' '}
        <code>/results/&lt;aws-account-id&gt;/&lt;pipeline&gt;/&lt;run-id&gt;</code>.
      </p>
    </section>
  );
}

/** The page above this one: a run's list of runs, a pipeline's account, or the viewer's start. */
function upOneLevel(path: string): string {
  const parts = path.replace(/\/+$/, '').split('/');
  return parts.length > 3 ? `${parts.slice(0, -1).join('/')}/` : '/results/';
}
