/** A run of text with one style, from a line with ANSI escape sequences. */
export interface AnsiSpan {
  text: string;
  /** 0–15: the terminal palette (a CSS class); a string: an exact `rgb(…)`. */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

type Style = Omit<AnsiSpan, 'text'>;

// CSI sequences (SGR and cursor movement alike) and OSC titles/links; only SGR is kept, as style.
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this parses
const SEQUENCE = /\x1b\[([0-9;:?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]/g;

/** Splits a line into styled spans; sequences other than colours and weights are dropped. */
export function parseAnsi(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: Style = {};
  let last = 0;
  const push = (text: string): void => {
    if (!text) return;
    const previous = spans[spans.length - 1];
    // Sequences that change nothing visible (cursor moves, titles) must not split the text.
    if (previous && sameStyle(previous, style)) previous.text += text;
    else spans.push({ text, ...style });
  };
  for (const match of line.matchAll(SEQUENCE)) {
    push(line.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
  }
  push(line.slice(last));
  // Stray escapes and other control characters would show as boxes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  for (const span of spans) span.text = span.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return spans.filter((s) => s.text.length > 0);
}

function sameStyle(a: Style, b: Style): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    !a.bold === !b.bold &&
    !a.dim === !b.dim &&
    !a.italic === !b.italic &&
    !a.underline === !b.underline
  );
}

function applySgr(current: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let style = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) style = {};
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 22) {
      delete style.bold;
      delete style.dim;
    } else if (code === 23) delete style.italic;
    else if (code === 24) delete style.underline;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code === 39) delete style.fg;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 49) delete style.bg;
    else if (code === 38 || code === 48) {
      const key = code === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) {
        const colour = extended(codes[i + 2] ?? 0);
        if (colour !== undefined) style[key] = colour;
        i += 2;
      } else if (codes[i + 1] === 2) {
        const [r, g, b] = [codes[i + 2], codes[i + 3], codes[i + 4]].map((v) => clamp(v ?? 0));
        style[key] = `rgb(${r}, ${g}, ${b})`;
        i += 4;
      }
    }
  }
  return style;
}

/** The xterm 256-colour palette: 16 named colours, a 6×6×6 cube, then 24 greys. */
function extended(n: number): number | string | undefined {
  if (n < 0 || n > 255 || !Number.isInteger(n)) return undefined;
  if (n < 16) return n;
  if (n < 232) {
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    const i = n - 16;
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
