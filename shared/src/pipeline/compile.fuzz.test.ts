import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compilePipeline } from './compile.js';

const lines = (text: string): number => text.split('\n').length;

describe('the parser never crashes', () => {
  it('on arbitrary text: a plan or diagnostics that point inside the file', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const result = compilePipeline([{ path: 'f.dockercise.yaml', text }]);
        if (!result.ok) {
          for (const d of result.diagnostics) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lines(text));
            expect(d.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('on YAML-shaped text built from pipeline-like pieces', () => {
    const token = fc.constantFrom(
      'img',
      'run',
      'env',
      'vol',
      'done',
      'after',
      'timeout',
      'secret',
      'human-click',
      'a',
      'b',
      '{a}',
      '{{',
      '}',
      '- ',
      ': ',
      '\n',
      '  ',
      '"',
      "'",
      '[',
      ']',
      '{',
      'true',
      '90s',
      '&x',
      '*x',
      '!!str',
      '---',
      '#',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const text = tokens.join('');
        expect(() => compilePipeline([{ path: 'f.dockercise.yaml', text }])).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('on structurally valid YAML with arbitrary values', () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    );
    const step = fc.dictionary(
      fc.constantFrom('img', 'run', 'env', 'vol', 'done', 'after', 'timeout', 'secret', 'x'),
      value,
    );
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), step, { maxKeys: 6 }), (doc) => {
        const result = compilePipeline([{ path: 'f.dockercise.yaml', text: stringify(doc) }]);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
