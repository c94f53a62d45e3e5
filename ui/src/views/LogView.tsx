import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import type { RunRef } from '../api/client.js';
import { useApi } from '../api/context.js';
import { type LogLine, parseLogLine } from '../model/format.js';
import { AnsiLine } from './AnsiLine.js';

const ROW_HEIGHT = 20;
const OVERSCAN = 30;
const FOLLOW_MS = 1000;
/** Lines kept in the page; a longer log says so and points at the whole file. */
export const MAX_LINES = 200_000;

/**
 * A step's log: fetched page by page, following new lines while the step runs, with only the rows
 * in view in the DOM (a million-line log scrolls as lightly as a short one). It sticks to the
 * bottom until the reader scrolls up.
 */
export function LogView(props: {
  run: RunRef;
  step: string;
  active: () => boolean;
  viewportHeight?: number;
}) {
  const api = useApi();
  const [lines, setLines] = createSignal<LogLine[]>([], { equals: false });
  const [error, setError] = createSignal<string>();
  const [loaded, setLoaded] = createSignal(false);
  const [truncated, setTruncated] = createSignal(false);
  const [follow, setFollow] = createSignal(true);
  const [scrollTop, setScrollTop] = createSignal(0);
  // Short logs get a short box; long ones scroll inside a fixed one.
  const height = (): number =>
    props.viewportHeight ?? Math.min(400, Math.max(3 * ROW_HEIGHT, lines().length * ROW_HEIGHT + 16));
  let box: HTMLDivElement | undefined;
  let token: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const store: LogLine[] = [];

  const fetchMore = async (): Promise<void> => {
    try {
      const page = await api.log(props.run, props.step, token);
      if (stopped) return;
      setError(undefined);
      const room = MAX_LINES - store.length;
      for (const line of page.lines.slice(0, room)) store.push(parseLogLine(line));
      if (page.lines.length > room) setTruncated(true);
      if (page.lines.length > 0) setLines(store);
      setLoaded(true);
      token = page.nextToken ?? token;
      if (page.complete || !page.nextToken || truncated()) return;
      // A full page means more is waiting now; an empty one, that the step has said all it has so far.
      if (page.lines.length > 0) timer = setTimeout(fetchMore, 0);
      else if (props.active()) timer = setTimeout(fetchMore, FOLLOW_MS);
    } catch (caught) {
      if (stopped) return;
      setError((caught as Error).message);
      setLoaded(true);
      timer = setTimeout(fetchMore, FOLLOW_MS * 5);
    }
  };
  onMount(() => void fetchMore());
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });

  const total = (): number => lines().length;
  const visible = createMemo(() => {
    const first = Math.max(0, Math.floor(scrollTop() / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total(), Math.ceil((scrollTop() + height()) / ROW_HEIGHT) + OVERSCAN);
    return { first, rows: lines().slice(first, last) };
  });

  // After new lines arrive, a following view jumps to the end.
  createEffect(
    on(total, () => {
      if (!follow()) return;
      queueMicrotask(() => {
        if (box) box.scrollTop = box.scrollHeight;
      });
    }),
  );

  const onScroll = (): void => {
    if (!box) return;
    setScrollTop(box.scrollTop);
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - ROW_HEIGHT;
    setFollow(atBottom);
  };

  return (
    <div class="log">
      <div class="log-toolbar">
        <span class="muted" aria-live="polite">
          {loaded() ? `${total().toLocaleString()} lines` : 'Loading the log…'}
          {props.active() ? ' · following' : ''}
        </span>
        <Show when={!follow()}>
          <button
            type="button"
            class="button quiet"
            onClick={() => {
              setFollow(true);
              if (box) box.scrollTop = box.scrollHeight;
            }}
          >
            Jump to the end
          </button>
        </Show>
      </div>
      <Show when={error()}>
        <p class="inline-error" role="alert">
          The log could not be loaded: {error()}. Trying again.
        </p>
      </Show>
      <Show when={truncated()}>
        <p class="muted">Only the first {MAX_LINES.toLocaleString()} lines are shown here.</p>
      </Show>
      <div
        class="log-box"
        ref={box}
        onScroll={onScroll}
        tabindex="0"
        role="log"
        aria-label={`Log of ${props.step}`}
        style={{ height: `${height()}px` }}
      >
        <Show when={loaded() && total() === 0 && !error()}>
          <p class="muted log-empty">{props.active() ? 'No output yet.' : 'This step wrote nothing.'}</p>
        </Show>
        <div class="log-sizer" style={{ height: `${total() * ROW_HEIGHT}px` }}>
          <div class="log-rows" style={{ transform: `translateY(${visible().first * ROW_HEIGHT}px)` }}>
            <For each={visible().rows}>
              {(line) => (
                <div class={`log-line stream-${line.stream}`}>
                  <span class="log-time">{line.time ? line.time.slice(11, 19) : ''}</span>
                  <span class="log-text">
                    <AnsiLine text={line.text} />
                  </span>
                </div>
              )}
            </For>
          </div>
        </div>
      </div>
    </div>
  );
}
