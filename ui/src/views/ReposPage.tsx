import type { RepoListing } from '@dockercise/shared';
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { useApi } from '../api/context.js';

const PAGE_SIZE = 30;

/** The user's GitHub repositories: search, connect one to an AWS account, or disconnect it. */
export function ReposPage() {
  const api = useApi();
  const [repos, { refetch }] = createResource(() => api.repos());
  const [accounts] = createResource(() => api.accounts());
  const [search, setSearch] = createSignal('');
  const [page, setPage] = createSignal(0);
  const [message, setMessage] = createSignal<{ text: string; error: boolean }>();
  const connected = createMemo(() => (accounts() ?? []).filter((a) => a.connected));
  const matching = createMemo(() => {
    const term = search().trim().toLowerCase();
    return (repos() ?? []).filter((r) => r.fullName.toLowerCase().includes(term));
  });
  const shown = createMemo(() => matching().slice(page() * PAGE_SIZE, (page() + 1) * PAGE_SIZE));
  const pages = createMemo(() => Math.max(1, Math.ceil(matching().length / PAGE_SIZE)));

  const act = async (what: () => Promise<void>, done: string): Promise<void> => {
    setMessage(undefined);
    try {
      await what();
      setMessage({ text: done, error: false });
      void refetch();
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
    }
  };

  return (
    <section aria-labelledby="repos-title">
      <h1 id="repos-title">Repositories</h1>
      <label>
        Search
        <input
          type="search"
          value={search()}
          onInput={(e) => {
            setSearch(e.currentTarget.value);
            setPage(0);
          }}
        />
      </label>
      <p class={message()?.error ? 'inline-error' : 'notice'} role="status" aria-live="polite">
        {message()?.text}
      </p>
      <Show when={repos.error}>
        <p class="inline-error" role="alert">
          {(repos.error as Error).message}
        </p>
      </Show>
      <Show when={repos()} fallback={<p class="loading">Loading your repositories…</p>}>
        <ul class="repos">
          <For each={shown()} fallback={<li class="muted">No repository matches.</li>}>
            {(repo) => (
              <RepoRow
                repo={repo}
                accounts={connected().map((a) => a.accountId)}
                onConnect={(accountId) =>
                  act(
                    () => api.connectRepo(repo.fullName, accountId),
                    `${repo.fullName} connected: pushes build now.`,
                  )
                }
                onDisconnect={() =>
                  act(
                    () => api.disconnectRepo(repo.fullName),
                    `${repo.fullName} disconnected: its hook and key are gone.`,
                  )
                }
              />
            )}
          </For>
        </ul>
        <Show when={pages() > 1}>
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="button quiet"
              disabled={page() === 0}
              onClick={() => setPage(page() - 1)}
            >
              Previous
            </button>
            <span>
              page {page() + 1} of {pages()}
            </span>
            <button
              type="button"
              class="button quiet"
              disabled={page() + 1 >= pages()}
              onClick={() => setPage(page() + 1)}
            >
              Next
            </button>
          </nav>
        </Show>
      </Show>
    </section>
  );
}

function RepoRow(props: {
  repo: RepoListing;
  accounts: string[];
  onConnect: (accountId: string) => Promise<void>;
  onDisconnect: () => Promise<void>;
}) {
  const [account, setAccount] = createSignal<string>();
  const chosen = (): string | undefined => account() ?? props.accounts[0];
  return (
    <li>
      <code>{props.repo.fullName}</code>{' '}
      <Show
        when={props.repo.connected}
        fallback={
          <Show
            when={props.accounts.length > 0}
            fallback={<span class="muted">connect an AWS account first</span>}
          >
            <label>
              <span class="visually-hidden">AWS account for {props.repo.fullName}</span>
              <select value={chosen()} onChange={(e) => setAccount(e.currentTarget.value)}>
                <For each={props.accounts}>{(id) => <option value={id}>{id}</option>}</For>
              </select>
            </label>{' '}
            <button
              type="button"
              class="button quiet"
              aria-label={`Connect ${props.repo.fullName}`}
              onClick={() => {
                const id = chosen();
                if (id) void props.onConnect(id);
              }}
            >
              Connect
            </button>
            <Show when={props.repo.admin === false}>
              <span class="muted"> (needs admin rights on the repository)</span>
            </Show>
          </Show>
        }
      >
        <span class="muted">builds in {props.repo.accountId}</span>{' '}
        <button
          type="button"
          class="button quiet"
          aria-label={`Disconnect ${props.repo.fullName}`}
          onClick={() => void props.onDisconnect()}
        >
          Disconnect
        </button>
      </Show>
    </li>
  );
}
