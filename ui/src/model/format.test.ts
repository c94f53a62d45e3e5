import { describe, expect, it } from 'vitest';
import { formatDuration, parseLogLine } from './format.js';

describe('format', () => {
  it('reads stored log lines, CloudWatch lines and foreign ones', () => {
    expect(parseLogLine('2026-11-26T10:00:00.123Z err boom: it broke')).toEqual({
      time: '2026-11-26T10:00:00.123Z',
      stream: 'err',
      text: 'boom: it broke',
    });
    expect(parseLogLine('2026-11-26T10:00:00.123Z out ')).toMatchObject({ stream: 'out', text: '' });
    expect(parseLogLine('2026-11-26T10:00:00.000Z - out of memory')).toMatchObject({
      stream: 'unknown',
      text: 'out of memory',
    });
    expect(parseLogLine('no timestamp')).toEqual({ stream: 'unknown', text: 'no timestamp' });
  });

  it('says durations the way people read them', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(420)).toBe('420 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(185_000)).toBe('3 m 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 m');
  });
});
