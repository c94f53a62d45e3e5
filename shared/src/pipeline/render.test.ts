import { describe, expect, it } from 'vitest';
import { compilePipeline } from './compile.js';
import { planToDot } from './render.js';

describe('planToDot', () => {
  it('draws only the edges a reader needs, and a legend', () => {
    const compiled = compilePipeline([
      {
        path: 'ci.dockercise.yaml',
        // test needs code twice over: directly (vol) and through build ({build}).
        text: 'code:\n  img: x\n  run: a\nbuild:\n  img: x\n  vol: code\n  run: b\ntest:\n  img: x\n  vol: code\n  run: cat {build}\n',
      },
      {
        path: 'deploy.dockercise.yaml',
        text: 'after: human-click\nship:\n  img: x\n  run: cat {test}\nnotify:\n  img: x\n  run: cat {ship}\n',
      },
    ]);
    if (!compiled.ok) throw new Error('expected a plan');
    const dot = planToDot(compiled.plan);
    const edges = dot.split('\n').filter((l) => l.includes('->') && !l.includes('legend'));
    expect(edges).toEqual([
      '  "code" -> "build";',
      '  "build" -> "test";',
      '  "test" -> "ship";',
      '  "gate:deploy.dockercise.yaml" -> "ship";',
      '  "ship" -> "notify";',
    ]);
    expect(dot).toContain('subgraph cluster_legend');
    expect(dot).toContain('human-click gate');
  });
});
