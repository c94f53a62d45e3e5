import { pino } from 'pino';
import type { Logger } from '../runner/logger.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** dockercise's own diagnostics: JSON lines on stderr, so stdout stays the pipeline's. */
export function createLogger(level: string): Logger & { level: string } {
  return pino({ level, base: { name: 'dockercise' } }, pino.destination({ fd: 2, sync: true }));
}
