import { afterEach, describe, expect, it } from 'vitest';
import { PipelineCompiler } from './pipeline-compiler.js';

// From source, the thread runs the built compile-worker.js: the tests run after the build.
// Far from both sides: the slow pipeline below takes about a second even on a fast machine (it
// flaked at 0.5 s, finishing in time), and the next one a millisecond.
const TIME_LIMIT_MS = 100;

describe('PipelineCompiler', () => {
  let compiler: PipelineCompiler | undefined;
  afterEach(() => compiler?.close());

  it('compiles on its own thread, in order, and gives every diagnostic back', async () => {
    compiler = new PipelineCompiler();
    const [good, bad] = await Promise.all([
      compiler.compile([{ path: 'a.dockercise.yaml', text: 'a:\n  img: x\n  run: "true"\n' }]),
      compiler.compile([{ path: 'b.dockercise.yaml', text: 'b:\n  imgg: x\n  run: "true"\n' }]),
    ]);
    expect(good.ok && good.plan.steps.map((s) => s.name)).toEqual(['a']);
    expect(!bad.ok && bad.diagnostics.map((d) => d.message)).toEqual(['unknown field "imgg" in step "b"']);
  });

  it('fails a compile that passes its time limit, and goes on with the next on a fresh thread', async () => {
    compiler = new PipelineCompiler(TIME_LIMIT_MS);
    // Three of the largest files the limits let through, all steps: a second or more of parsing.
    const bigFile = (prefix: string): string => {
      let text = '';
      for (let i = 0; text.length < 256 * 1024 - 64; i++) text += `${prefix}${i}:\n  img: x\n  run: "true"\n`;
      return text;
    };
    const slowSources = ['x', 'y', 'z'].map((p) => ({ path: `${p}.dockercise.yaml`, text: bigFile(p) }));
    const [slow, next] = await Promise.all([
      compiler.compile(slowSources),
      compiler.compile([{ path: 'b.dockercise.yaml', text: 'b:\n  img: x\n  run: "true"\n' }]),
    ]);
    expect(slow).toMatchObject({
      ok: false,
      diagnostics: [{ message: `the pipeline took longer than ${TIME_LIMIT_MS / 1000} s to compile` }],
    });
    expect(next.ok).toBe(true);
  });
});
