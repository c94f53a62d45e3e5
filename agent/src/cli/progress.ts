import type { RunResult, StepResult, StepStatus } from '@dockercise/shared';
import type { LogSink } from '../logs/log-sink.js';

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

export function elapsed(step: StepResult, now: number): string {
  if (!step.startedAt) return '';
  const ms = step.durationMs ?? now - Date.parse(step.startedAt);
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A live line per step, redrawn in place, like `docker compose up`. */
export class LiveView {
  private drawn = 0;
  private latest: RunResult | undefined;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.ticker = setInterval(() => this.draw(), 200);
    this.ticker.unref();
  }

  update(result: RunResult): void {
    this.latest = result;
  }

  stop(): void {
    clearInterval(this.ticker);
    this.draw();
  }

  private draw(): void {
    const result = this.latest;
    if (!result) return;
    const now = Date.now();
    const width = Math.max(...result.steps.map((s) => s.name.length), 4);
    const lines = result.steps.map((step) => {
      const colour = COLOURS[step.status] ?? '';
      const reset = colour ? '\x1b[0m' : '';
      const status = `${SYMBOLS[step.status]} ${step.status}`.padEnd(18);
      const detail = step.error && step.status !== 'skipped' ? `  ${step.error}` : '';
      return ` ${colour}${status}${reset} ${step.name.padEnd(width)}  ${elapsed(step, now).padStart(7)}${detail}`;
    });
    const clear = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : '';
    this.out.write(`${clear}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
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
      this.out.write(`${step.name} | ${SYMBOLS[step.status]} ${step.status}${time}${detail}\n`);
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
