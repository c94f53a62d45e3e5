import type { LogSink } from '@dockercise/agent/local';
import type { RunResult, StepResult, StepStatus } from '@dockercise/shared';

const SYMBOLS: Record<StepStatus, string> = {
  pending: '·',
  'waiting-approval': '⏸',
  running: '▶',
  succeeded: '✔',
  failed: '✘',
  skipped: '↷',
  'timed-out': '⏱',
  cancelled: '■',
};

const COLOURS: Partial<Record<StepStatus, string>> = {
  succeeded: '\x1b[32m',
  failed: '\x1b[31m',
  'timed-out': '\x1b[31m',
  running: '\x1b[36m',
  'waiting-approval': '\x1b[33m',
  skipped: '\x1b[90m',
  cancelled: '\x1b[90m',
};

/** A failure the step may have (`allow-failure`) is told apart from one that fails the run. */
export function statusLabel(step: Pick<StepResult, 'status' | 'allowedFailure'>): {
  symbol: string;
  text: string;
  colour?: string;
} {
  if (step.status === 'failed' && step.allowedFailure)
    return { symbol: '⚠', text: 'failed (allowed)', colour: '\x1b[33m' };
  const colour = COLOURS[step.status];
  return { symbol: SYMBOLS[step.status], text: step.status, ...(colour ? { colour } : {}) };
}

export function elapsed(step: StepResult, now: number): string {
  if (!step.startedAt) return '';
  const ms = step.durationMs ?? now - Date.parse(step.startedAt);
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The slice of a terminal stream the live view uses. */
export interface Terminal {
  columns?: number;
  rows?: number;
  write(text: string): boolean;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

const WATCH_FIRST: StepStatus[] = ['running', 'failed', 'timed-out', 'waiting-approval', 'cancelled'];

/**
 * A live line per step, redrawn in place, like `docker compose up`. Every line fits the terminal's
 * width and the view its height: moving the cursor up by lines, not rows, would leave stale copies
 * behind wrapped lines. Steps that do not fit are summarised on one line, by status.
 */
export class LiveView {
  /** Visible lengths of the lines last drawn: how many rows they take depends on the width now. */
  private drawn: number[] = [];
  private latest: RunResult | undefined;
  private readonly ticker: NodeJS.Timeout;
  private readonly onResize = (): void => this.draw();

  constructor(private readonly out: Terminal) {
    this.ticker = setInterval(() => this.draw(), 200);
    this.ticker.unref();
    out.on('resize', this.onResize);
  }

  update(result: RunResult): void {
    this.latest = result;
  }

  stop(): void {
    clearInterval(this.ticker);
    this.out.off('resize', this.onResize);
    this.draw();
  }

  private draw(): void {
    const result = this.latest;
    if (!result) return;
    const columns = Math.max(20, this.out.columns ?? 80);
    const lines = viewLines(result, columns, Math.max(3, (this.out.rows ?? 24) - 1), Date.now());
    const rows = this.drawn.reduce((sum, length) => sum + Math.max(1, Math.ceil(length / columns)), 0);
    const clear = rows > 0 ? `\x1b[${rows}A\x1b[J` : '';
    this.out.write(`${clear}${lines.map((l) => l.text).join('\n')}\n`);
    this.drawn = lines.map((l) => l.length);
  }
}

/** The view's lines for a terminal of `columns` × `rows`: each with its visible length. */
export function viewLines(
  result: RunResult,
  columns: number,
  rows: number,
  now: number,
): Array<{ text: string; length: number }> {
  let shown = result.steps;
  let rest: StepResult[] = [];
  if (shown.length > rows) {
    // The steps worth watching first, then the rest in plan order; shown in plan order.
    const rank = (s: StepResult): number => {
      const i = WATCH_FIRST.indexOf(s.status);
      return i === -1 ? WATCH_FIRST.length : i;
    };
    const order = result.steps.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i);
    const keep = new Set(order.slice(0, rows - 1).map((x) => x.i));
    shown = result.steps.filter((_, i) => keep.has(i));
    rest = result.steps.filter((_, i) => !keep.has(i));
  }
  const width = Math.max(...shown.map((s) => s.name.length), 4);
  const lines = shown.map((step) => {
    const label = statusLabel(step);
    const status = `${label.symbol} ${label.text}`.padEnd(18);
    // A skip says why only when a filter made it (a failure's skips are plain from the failure).
    const detail =
      step.error && (step.status !== 'skipped' || step.skipReason === 'filtered')
        ? `  ${step.error.replace(/\s+/g, ' ')}`
        : '';
    const plain = ` ${status} ${step.name.padEnd(width)}  ${elapsed(step, now).padStart(7)}${detail}`;
    const text = fit(plain, columns);
    const colour = label.colour;
    // The colour wraps the status, which always fits: the cut can only fall after it.
    const coloured = colour ? ` ${colour}${status}\x1b[0m${text.slice(1 + status.length)}` : text;
    return { text: coloured, length: [...text].length };
  });
  if (rest.length > 0) {
    const counts = new Map<string, number>();
    for (const step of rest) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
    const parts = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
    const text = fit(` … ${rest.length} more steps: ${parts}`, columns);
    lines.push({ text, length: [...text].length });
  }
  return lines;
}

/** Cuts a line to one character less than the width, so the cursor never wraps onto a new row. */
function fit(text: string, columns: number): string {
  const chars = [...text];
  return chars.length < columns ? text : `${chars.slice(0, columns - 2).join('')}…`;
}

/** Without a terminal: each log line and each status change, prefixed with the step's name. */
export class PrefixedView {
  private readonly seen = new Map<string, StepStatus>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(result: RunResult): void {
    for (const step of result.steps) {
      if (this.seen.get(step.name) === step.status) continue;
      this.seen.set(step.name, step.status);
      if (step.status === 'pending') continue;
      const time = step.status === 'running' ? '' : ` ${elapsed(step, Date.now())}`;
      const detail = step.error ? ` (${step.error})` : '';
      const label = statusLabel(step);
      this.out.write(`${step.name} | ${label.symbol} ${label.text}${time}${detail}\n`);
    }
  }

  stop(): void {}

  /** A sink that prints log lines as they come. */
  sink(): LogSink {
    return {
      open: (step) => ({
        write: async (lines) => {
          let text = '';
          for (const line of lines) text += `${step} | ${line.text}\n`;
          if (!this.out.write(text)) await new Promise((resolve) => this.out.once('drain', resolve));
        },
        close: async () => {},
      }),
    };
  }
}
