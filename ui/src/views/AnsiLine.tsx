import { For, type JSX } from 'solid-js';
import { type AnsiSpan, parseAnsi } from '../model/ansi.js';

/** One log line with its ANSI colours as styled spans (never as HTML: text stays text). */
export function AnsiLine(props: { text: string }) {
  return (
    <For each={parseAnsi(props.text)}>
      {(span) => (
        <span class={classOf(span)} style={styleOf(span)}>
          {span.text}
        </span>
      )}
    </For>
  );
}

function classOf(span: AnsiSpan): string | undefined {
  const classes: string[] = [];
  if (typeof span.fg === 'number') classes.push(`ansi-fg-${span.fg}`);
  if (typeof span.bg === 'number') classes.push(`ansi-bg-${span.bg}`);
  if (span.bold) classes.push('ansi-bold');
  if (span.dim) classes.push('ansi-dim');
  if (span.italic) classes.push('ansi-italic');
  if (span.underline) classes.push('ansi-underline');
  return classes.length > 0 ? classes.join(' ') : undefined;
}

function styleOf(span: AnsiSpan): JSX.CSSProperties | undefined {
  if (typeof span.fg !== 'string' && typeof span.bg !== 'string') return undefined;
  return {
    ...(typeof span.fg === 'string' ? { color: span.fg } : {}),
    ...(typeof span.bg === 'string' ? { 'background-color': span.bg } : {}),
  };
}
