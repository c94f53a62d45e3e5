import { createSignal, type JSX, onCleanup, Show } from 'solid-js';

export type ActionState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; message: string }
  | { kind: 'failed'; message: string };

/**
 * A button whose action needs a second, deliberate click: it opens a small dialog that names what
 * will happen; Escape or "Not now" closes it. The outcome is announced to screen readers.
 */
export function ConfirmButton(props: {
  label: string;
  /** The question the dialog asks. */
  question: string;
  confirmLabel: string;
  tone?: 'primary' | 'danger';
  action: () => Promise<string>;
  /** Where the outcome is told when the button may vanish with it (an approved gate's button does). */
  onDone?: (message: string) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const [state, setState] = createSignal<ActionState>({ kind: 'idle' });
  let opener: HTMLButtonElement | undefined;
  const titleId = `confirm-${Math.random().toString(36).slice(2)}`;

  const close = (): void => {
    setOpen(false);
    opener?.focus();
  };
  const confirm = async (): Promise<void> => {
    setState({ kind: 'busy' });
    try {
      const message = await props.action();
      setState({ kind: 'done', message });
      setOpen(false);
      props.onDone?.(message);
    } catch (error) {
      setState({ kind: 'failed', message: (error as Error).message });
    }
  };
  const onKey: JSX.EventHandler<HTMLDivElement, KeyboardEvent> = (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close();
    }
  };
  onCleanup(() => setOpen(false));

  return (
    <span class="confirm">
      <button
        type="button"
        ref={opener}
        class={`button ${props.tone ?? 'primary'}`}
        disabled={state().kind === 'busy'}
        aria-haspopup="dialog"
        onClick={() => {
          setState({ kind: 'idle' });
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      <Show when={open()}>
        <div class="dialog-backdrop">
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={onKey}>
            <p id={titleId}>{props.question}</p>
            <Show when={state().kind === 'failed'}>
              <p class="dialog-error" role="alert">
                {(state() as { message: string }).message}
              </p>
            </Show>
            <div class="dialog-actions">
              <button
                type="button"
                class={`button ${props.tone ?? 'primary'}`}
                ref={(el) => queueMicrotask(() => el.focus())}
                disabled={state().kind === 'busy'}
                onClick={() => void confirm()}
              >
                {state().kind === 'busy' ? 'Working…' : props.confirmLabel}
              </button>
              <button type="button" class="button quiet" onClick={close}>
                Not now
              </button>
            </div>
          </div>
        </div>
      </Show>
      <span class="action-feedback" role="status" aria-live="polite">
        <Show when={(state().kind === 'done' && !props.onDone) || (state().kind === 'failed' && !open())}>
          {(state() as { message: string }).message}
        </Show>
      </span>
    </span>
  );
}
