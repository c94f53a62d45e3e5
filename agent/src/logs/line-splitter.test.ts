import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';
import { SecretMasker } from './secret-masker.js';

function masker(...secrets: string[]): SecretMasker {
  const m = new SecretMasker();
  for (const s of secrets) m.add(s);
  return m;
}

function run(splitter: LineSplitter, chunks: Array<string | Buffer>): string[] {
  const lines = chunks.flatMap((c) => splitter.push(typeof c === 'string' ? Buffer.from(c) : c));
  return [...lines, ...splitter.end()];
}

describe('LineSplitter', () => {
  it('splits on newlines, drops CR, keeps the unterminated last line', () => {
    expect(run(new LineSplitter(masker()), ['a\r\nb\n', '\nc'])).toEqual(['a', 'b', '', 'c']);
  });

  it('keeps a UTF-8 character split across chunks whole', () => {
    const bytes = Buffer.from('héllo ✓\n');
    expect(
      run(new LineSplitter(masker()), [bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]),
    ).toEqual(['héllo ✓']);
  });

  it('masks a secret split across two writes', () => {
    expect(run(new LineSplitter(masker('hunter2-token')), ['the token is hunt', 'er2-token, ok\n'])).toEqual([
      'the token is ***, ok',
    ]);
  });

  it('masks every line of a multi-line secret', () => {
    expect(run(new LineSplitter(masker('line-one\nline-two\n')), ['x line-one y\nline-two\n'])).toEqual([
      'x *** y',
      '***',
    ]);
  });

  it('cuts over-long lines without letting a secret slip through the cut', () => {
    const secret = 'SECRETVALUE';
    const splitter = new LineSplitter(masker(secret), 16);
    const text = `${'x'.repeat(13)}${secret}${'y'.repeat(20)}\n`;
    const lines = run(
      splitter,
      [...text].map((c) => c),
    );
    expect(lines.join('')).toBe(`${'x'.repeat(13)}***${'y'.repeat(20)}`);
    expect(lines.every((l) => l.length <= 16)).toBe(true);
    expect(lines.join('')).not.toContain('SECRET');
  });

  it('never lets a secret through, however the stream is chunked (property)', () => {
    const secret = 'p4ssw0rd-XYZ';
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constant(secret), fc.constant('\n')), {
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 12, max: 40 }),
        (pieces, cuts, maxLine) => {
          const text = Buffer.from(pieces.join(''));
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < text.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            chunks.push(text.subarray(at, at + size));
            at += size;
          }
          const lines = run(new LineSplitter(masker(secret), maxLine), chunks);
          expect(lines.join('\n')).not.toContain(secret);
          expect(lines.every((l) => l.length <= maxLine)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives, however the stream is chunked, the lines of the whole text each masked (property)', () => {
    const secret = 'p4ssw0rd-XYZ';
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ maxLength: 20 }), fc.constant(secret), fc.constant('\n'), fc.constant('\r\n')),
          { maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
        (pieces, cuts) => {
          const whole = pieces.join('');
          const text = Buffer.from(whole);
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < text.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            chunks.push(text.subarray(at, at + size));
            at += size;
          }
          const m = masker(secret);
          const expected = whole === '' ? [] : whole.replace(/\n$/, '').split('\n');
          const oneByOne = expected.map((line) => m.mask(line.replace(/\r$/, '')));
          expect(run(new LineSplitter(m), chunks)).toEqual(oneByOne);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('SecretMasker', () => {
  it('does not mask values shorter than three characters, and says so', () => {
    const m = new SecretMasker();
    expect(m.add('ab\nlonger')).toEqual(['ab']);
    expect(m.mask('ab longer')).toBe('ab ***');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const m = new SecretMasker();
    m.add('abc');
    m.add('abcdef');
    expect(m.mask('xabcdefx abc')).toBe('x***x ***');
  });
});
