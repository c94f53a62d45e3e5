import { describe, expect, it } from 'vitest';
import { splitUtf8 } from './cloudwatch-log-sink.js';

describe('splitUtf8', () => {
  it('keeps short text whole', () => {
    expect(splitUtf8('hello', 10)).toEqual(['hello']);
  });

  it('cuts by bytes without splitting a character', () => {
    const pieces = splitUtf8('aé✓😀'.repeat(50), 7);
    expect(pieces.join('')).toBe('aé✓😀'.repeat(50));
    expect(pieces.every((p) => Buffer.byteLength(p) <= 7)).toBe(true);
  });
});
