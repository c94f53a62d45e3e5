import type { CancelRequests } from '../backend/cancel-requests.js';

/** Checks for a cancel request every `intervalMs` and calls `onCancel` once when there is one. */
export function watchForCancel(
  requests: CancelRequests,
  runPrefix: string,
  intervalMs: number,
  onCancel: () => void,
  onError: (error: unknown) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    try {
      if (await requests.requested(runPrefix)) {
        stopped = true;
        onCancel();
        return;
      }
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(check, intervalMs);
  };
  timer = setTimeout(check, intervalMs);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
