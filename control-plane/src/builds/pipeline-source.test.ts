import { describe, expect, it } from 'vitest';
import { compileSource, type PipelineFile, type PipelineSource } from './pipeline-source.js';

/** A commit's files in memory; counts reads, and the most read at once. */
function source(files: Record<string, string>, sizes: Record<string, number> = {}) {
  const stats = { reads: 0, inFlight: 0, mostInFlight: 0 };
  const pipeline: PipelineSource & { stats: typeof stats } = {
    description: 'acme/app at 1a2b3c4',
    stats,
    async pipelineFiles(): Promise<PipelineFile[]> {
      return Object.entries(files).map(([path, text]) => ({
        path,
        bytes: sizes[path] ?? Buffer.byteLength(text),
      }));
    },
    async read(file: PipelineFile): Promise<string> {
      stats.reads++;
      stats.mostInFlight = Math.max(stats.mostInFlight, ++stats.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      stats.inFlight--;
      return files[file.path] ?? '';
    },
  };
  return pipeline;
}

describe('compileSource', () => {
  it('compiles the files it reads, a few at a time', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++)
      files[`ci/s${i}.dockercise.yaml`] = `s${i}:\n  img: busybox\n  run: echo ${i}\n`;
    const pipeline = source(files);
    const compiled = await compileSource(pipeline);
    expect(compiled.ok && compiled.plan.steps.map((s) => s.name).sort()).toHaveLength(12);
    expect(pipeline.stats.reads).toBe(12);
    expect(pipeline.stats.mostInFlight).toBeLessThanOrEqual(4);
  });

  it('says where it looked when the commit has no pipeline file', async () => {
    expect(await compileSource(source({}))).toEqual({
      ok: false,
      empty: true,
      errors: ['no *.dockercise.yaml file is committed in acme/app at 1a2b3c4'],
    });
  });

  it('refuses a pipeline past the size limits without reading a file', async () => {
    const pipeline = source({ 'big.dockercise.yaml': 'x' }, { 'big.dockercise.yaml': 300 * 1024 });
    const compiled = await compileSource(pipeline);
    expect(compiled).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^big\.dockercise\.yaml:1:1: the file is 300 KiB/)],
    });
    expect(pipeline.stats.reads).toBe(0);
  });

  it('gives every error of an invalid pipeline with its position', async () => {
    const compiled = await compileSource(source({ 'a.dockercise.yaml': 'a:\n  imgg: x\n  run: y\n' }));
    expect(compiled.ok).toBe(false);
    expect(!compiled.ok && compiled.errors[0]).toMatch(/^a\.dockercise\.yaml:2:3: unknown field "imgg"/);
  });
});
