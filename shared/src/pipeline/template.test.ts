import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, templateSource } from './template.js';

describe('templates', () => {
  it('finds references and renders them', () => {
    const parsed = parseTemplate('cat {a} {b-1} > out');
    expect(parsed.problems).toEqual([]);
    expect(parsed.refs.map((r) => [r.name, r.index])).toEqual([
      ['a', 4],
      ['b-1', 8],
    ]);
    expect(renderTemplate(parsed.parts, (s) => `/in/${s}`)).toBe('cat /in/a /in/b-1 > out');
  });

  it('treats ${…} as shell even around references, and a lone $ before a reference as shell', () => {
    expect(parseTemplate('echo ${a} {a}').parts).toEqual(['echo ${a} ', { ref: 'a' }]);
  });

  it('round-trips: source form parses back to the same parts', () => {
    // A lone `$` is left out: `${…}` is always shell, so `$` right before a reference has no source form.
    const part = fc.oneof(
      fc.string().map((t) => t.replaceAll('$', '')),
      fc.constantFrom('{', '}', '${X}', '{{'),
      fc.record({ ref: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/) }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (parts) => {
        const source = templateSource(parts);
        const parsed = parseTemplate(source);
        expect(parsed.problems).toEqual([]);
        const render = (p: typeof parts) => renderTemplate(p, (s) => `<${s}>`);
        expect(render(parsed.parts)).toBe(render(parts));
      }),
    );
  });
});
