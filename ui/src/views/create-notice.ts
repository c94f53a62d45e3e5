import { type Accessor, createEffect, createSignal, untrack } from 'solid-js';

/**
 * A line telling the outcome of an action ("approved… the run goes on"), shown only while it is
 * still true of the data it speaks about: each notice comes with the test of that.
 */
export function createNotice<T>(data: Accessor<T | undefined>): {
  text: Accessor<string>;
  show(text: string, stillTrue: (current: T) => boolean): void;
} {
  const [notice, setNotice] = createSignal<{
    text: string;
    stillTrue: (current: T) => boolean;
    /** What was on screen when the notice came: it predates the action, so it is not judged. */
    before: T | undefined;
  }>();
  createEffect(() => {
    const current = data();
    const shown = notice();
    if (shown && current !== undefined && current !== shown.before && !shown.stillTrue(current))
      setNotice(undefined);
  });
  return {
    text: () => notice()?.text ?? '',
    show: (text, stillTrue) => setNotice({ text, stillTrue, before: untrack(data) }),
  };
}
