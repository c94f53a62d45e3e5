import type { Logger } from '@dockercise/shared';
import { pino } from 'pino';
import type { LogFormat } from './log-levels.js';

export { LOG_LEVELS, type LogFormat } from './log-levels.js';

const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * dockercise's own diagnostics, on stderr so stdout stays the pipeline's: JSON lines for machines
 * (the daemon, or `--log-format json`), sentences for a person at a terminal.
 */
export function createLogger(
  level: string,
  format: LogFormat = 'json',
  /** Another place for each JSON line as well (the daemon's own log in CloudWatch). */
  also?: { write(line: string): void },
): Logger & { level: string } {
  if (format === 'json') {
    const stderr = pino.destination({ fd: 2, sync: true });
    const destination = also ? pino.multistream([{ stream: stderr }, { stream: also }]) : stderr;
    return pino({ level, base: { name: 'dockercise' } }, destination);
  }
  return textLogger(level, (line) => process.stderr.write(line));
}

/** `dockercise: warning: could not store the step output (step build: connection reset)`. */
export function textLogger(level: string, write: (line: string) => void): Logger & { level: string } {
  const threshold = level === 'silent' ? Number.POSITIVE_INFINITY : (RANK[level] ?? RANK.warn ?? 40);
  const at =
    (name: string, label: string) =>
    (fields: object, message: string): void => {
      if ((RANK[name] ?? 0) < threshold) return;
      const detail = describe(fields);
      write(`dockercise: ${label}${message}${detail ? ` (${detail})` : ''}\n`);
    };
  return {
    level,
    debug: at('debug', 'debug: '),
    info: at('info', ''),
    warn: at('warn', 'warning: '),
    error: at('error', 'error: '),
  };
}

function describe(fields: object): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === 'err') parts.push(value instanceof Error ? value.message : String(value));
    else if (typeof value === 'object') parts.push(`${key} ${JSON.stringify(value)}`);
    else parts.push(`${key} ${String(value)}`);
  }
  return parts.join(', ');
}
