import { type Accessor, createSignal, onCleanup } from 'solid-js';
import { ApiError } from './client.js';

export interface Polled<T> {
  data: Accessor<T | undefined>;
  /** The last failure; cleared by the next success. */
  error: Accessor<ApiError | undefined>;
  loading: Accessor<boolean>;
  /** Loads again now (after an action), keeping the schedule. */
  refresh(): void;
}

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * Loads, then loads again after `next(value)` milliseconds for as long as it returns a number — a
 * run polls while it is active and stops when it ends. Failures retry with a growing delay when the
 * control plane was unreachable; a 404 or 403 does not heal, so it stops. Owned by the calling
 * component: its timers end with it.
 */
export function poll<T>(load: () => Promise<T>, next: (value: T) => number | undefined): Polled<T> {
  const [data, setData] = createSignal<T>();
  const [error, setError] = createSignal<ApiError>();
  const [loading, setLoading] = createSignal(true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let failures = 0;
  let generation = 0;

  const schedule = (ms: number | undefined): void => {
    clearTimeout(timer);
    if (ms !== undefined && !stopped) timer = setTimeout(tick, ms);
  };
  const tick = async (): Promise<void> => {
    const mine = ++generation;
    try {
      const value = await load();
      if (stopped || mine !== generation) return;
      failures = 0;
      setData(() => value);
      setError(undefined);
      schedule(next(value));
    } catch (caught) {
      if (stopped || mine !== generation) return;
      const failure =
        caught instanceof ApiError
          ? caught
          : new ApiError('broken', String(caught), undefined, { cause: caught });
      setError(failure);
      if (failure.kind === 'unreachable') schedule(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  void tick();
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return { data, error, loading, refresh: () => void tick() };
}
