import { type Accessor, type JSX, Show } from 'solid-js';
import type { Polled } from '../api/poll.js';
import { ErrorPage } from './ErrorPage.js';

/** What every page shows around its data: a loading line, then the data, or the page for its error. */
export function Loaded<T>(props: {
  polled: Polled<T>;
  /** What the page shows, for the error page: "run", "pipeline". */
  what: string;
  loading: string;
  children: (data: Accessor<NonNullable<T>>) => JSX.Element;
}) {
  return (
    <Show
      when={props.polled.data()}
      fallback={
        <Show
          when={props.polled.error()}
          fallback={
            <p class="loading" role="status">
              {props.loading}
            </p>
          }
        >
          {(error) => <ErrorPage error={error()} what={props.what} onRetry={props.polled.refresh} />}
        </Show>
      }
    >
      {(data) => props.children(data)}
    </Show>
  );
}
