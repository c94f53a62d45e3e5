import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../engine/fake-engine.js';
import type { LogLine } from '../logs/log-sink.js';
import { MemoryStore } from './plan.fixture.js';
import { globPattern, StepArtifacts } from './step-artifacts.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe("a step's artifacts", () => {
  it('reads globs as paths of the workspace: * within a folder, ** across them', () => {
    const matches = (glob: string, path: string) => globPattern(glob).test(path);
    expect(matches('dist/*.tgz', 'dist/app.tgz')).toBe(true);
    expect(matches('dist/*.tgz', 'dist/sub/app.tgz')).toBe(false);
    expect(matches('reports/**/*.xml', 'reports/a.xml')).toBe(true);
    expect(matches('reports/**/*.xml', 'reports/unit/x/a.xml')).toBe(true);
    expect(matches('**', 'any/thing')).toBe(true);
    expect(matches('a?.txt', 'ab.txt')).toBe(true);
    expect(matches('a.txt', 'aXtxt')).toBe(false);
  });

  it('keeps what matches with its size and sha256, within the per-file and per-run limits, saying what it left', async () => {
    const engine = new FakeEngine();
    await engine.createVolume('ws', {});
    const files = engine.volumes.get('ws')?.files;
    files?.set('dist/app.txt', 'the app\n');
    files?.set('dist/big.bin', 'x'.repeat(2000));
    files?.set('dist/more.txt', 'y'.repeat(600));
    files?.set('src/main.c', 'int main;\n');
    const store = new MemoryStore();
    const lines: LogLine[] = [];
    const log = { write: async (l: readonly LogLine[]) => void lines.push(...l), close: async () => {} };
    const artifacts = new StepArtifacts(engine, store, { fileBytes: 1000, runBytes: 1000 });
    const kept = (
      await artifacts.keep('build', { artifacts: ['dist/*', 'docs/**'], junit: [] }, 'ws', 'img', log)
    ).kept;
    expect(kept).toEqual([
      { path: 'dist/app.txt', size: 8, sha256: sha('the app\n') },
      { path: 'dist/more.txt', size: 600, sha256: sha('y'.repeat(600)) },
    ]);
    expect(store.artifacts.get('build/dist/app.txt')?.toString()).toBe('the app\n');
    expect(store.artifacts.has('build/dist/big.bin')).toBe(false);
    expect(lines.map((l) => l.text)).toEqual([
      '[dockercise: artifact dist/big.bin is 2000 bytes, past the 1000-byte limit for a file: not kept]',
      '[dockercise: artifact docs/** matched no file]',
    ]);
    // The run's limit counts every step: what the next step would add past it is left.
    const next = (
      await artifacts.keep(
        'test',
        { artifacts: ['dist/app.txt', 'dist/more.txt'], junit: [] },
        'ws',
        'img',
        log,
      )
    ).kept;
    expect(next.map((a) => a.path)).toEqual(['dist/app.txt']);
    expect(lines.at(-1)?.text).toBe(
      "[dockercise: artifact dist/more.txt would pass the run's 1000-byte limit for artifacts: not kept]",
    );
  });
});
