import { availableParallelism, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { stepLimits } from './step-limits.js';

describe('stepLimits', () => {
  it('limits every step: what is given, else most of the host', () => {
    expect(stepLimits()).toEqual({
      memoryBytes: Math.floor(totalmem() * 0.8),
      cpus: availableParallelism(),
      pids: 4096,
    });
    expect(stepLimits({ memoryBytes: 1024, cpus: 0.5, pids: 10 })).toEqual({
      memoryBytes: 1024,
      cpus: 0.5,
      pids: 10,
    });
  });
});
