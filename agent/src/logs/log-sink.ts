/** One line of a step's log, stamped when it arrived, secrets already masked. */
export interface LogLine {
  /** Milliseconds since the epoch. */
  ts: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Where a run's logs go: files locally, CloudWatch Logs on an agent. `write` resolves when the sink
 * has room for more; the runner waits for it, which pauses the container's output (backpressure).
 */
export interface LogSink {
  open(step: string): StepLog;
}

export interface StepLog {
  write(lines: readonly LogLine[]): Promise<void>;
  /** Flushes and closes; safe to repeat. */
  close(): Promise<void>;
}

/** `2026-11-26T20:41:00.123Z err hello` — stdout lines are tagged `out`, stderr lines `err`. */
export function formatLogLine(line: LogLine): string {
  return `${isoTime(line.ts)} ${line.stream === 'stderr' ? 'err' : 'out'} ${line.text}`;
}

let lastTs = Number.NaN;
let lastIso = '';

/**
 * The lines of one chunk share a stamp, and formatting a date costs more than the rest of a line's
 * handling together (~1 µs): a 200,000-line step would spend most of its log time here.
 */
function isoTime(ts: number): string {
  if (ts !== lastTs) {
    lastIso = new Date(ts).toISOString();
    lastTs = ts;
  }
  return lastIso;
}

/** Sends every line to each sink: e.g. to the result store and to the terminal. */
export function teeSinks(...sinks: LogSink[]): LogSink {
  return {
    open(step) {
      const logs = sinks.map((s) => s.open(step));
      return {
        write: async (lines) => {
          await Promise.all(logs.map((l) => l.write(lines)));
        },
        close: async () => {
          await Promise.all(logs.map((l) => l.close()));
        },
      };
    },
  };
}
