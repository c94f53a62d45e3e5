import type { Plan } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { resolveGates } from './gates.js';

const plan = (...gates: string[]): Plan => ({
  version: 1,
  steps: [],
  gates: gates.map((name) => ({ name, source: { file: name, line: 1, col: 1 } })),
});

describe('resolveGates', () => {
  const gated = plan('deploy.dockercise.yaml', 'ops/release.dockercise.yml');

  it('takes a gate by its file, with or without the extension, or by the file name alone', () => {
    for (const name of ['deploy.dockercise.yaml', 'deploy'])
      expect(resolveGates(gated, [name])).toEqual({ ok: true, gates: new Set(['deploy.dockercise.yaml']) });
    for (const name of ['ops/release.dockercise.yml', 'ops/release', 'release'])
      expect(resolveGates(gated, [name])).toEqual({
        ok: true,
        gates: new Set(['ops/release.dockercise.yml']),
      });
  });

  it("takes a step's own gate by the step's name, over a file of the same stem", () => {
    const both = plan('deploy.dockercise.yaml', 'deploy');
    expect(resolveGates(both, ['deploy'])).toEqual({ ok: true, gates: new Set(['deploy']) });
    expect(resolveGates(both, ['deploy.dockercise.yaml'])).toEqual({
      ok: true,
      gates: new Set(['deploy.dockercise.yaml']),
    });
  });

  it('refuses an unknown name and lists the gates', () => {
    expect(resolveGates(gated, ['deploy', 'prod'])).toEqual({
      ok: false,
      message: 'no gate named prod; the gates are deploy.dockercise.yaml, ops/release.dockercise.yml',
    });
    expect(resolveGates(plan(), ['x'])).toEqual({
      ok: false,
      message: 'no gate named x; this pipeline has no gates',
    });
  });

  it('refuses a file name that two gates share', () => {
    const twice = plan('a/deploy.dockercise.yaml', 'b/deploy.dockercise.yaml');
    expect(resolveGates(twice, ['deploy'])).toMatchObject({
      ok: false,
      message: /deploy names several gates/,
    });
  });
});
