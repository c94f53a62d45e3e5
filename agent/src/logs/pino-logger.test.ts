import { describe, expect, it } from 'vitest';
import { textLogger } from './pino-logger.js';

describe('the text logger', () => {
  it('writes sentences at or above its level, with the fields after them', () => {
    const lines: string[] = [];
    const logger = textLogger('warn', (line) => lines.push(line));
    logger.info({ step: 'build' }, 'not shown');
    logger.warn({ step: 'build' }, 'output not stored: it contains a secret value');
    logger.error({ err: new Error('connection reset'), step: 'ship' }, 'could not store the step output');
    expect(lines).toEqual([
      'dockercise: warning: output not stored: it contains a secret value (step build)\n',
      'dockercise: error: could not store the step output (connection reset, step ship)\n',
    ]);
  });

  it('writes nothing when silent', () => {
    const lines: string[] = [];
    textLogger('silent', (line) => lines.push(line)).error({}, 'x');
    expect(lines).toEqual([]);
  });
});
