import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../builds/pipeline-source.js';
import { gitHead } from './git.js';
import { LocalGitSource } from './local-git-source.js';

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'git-source-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      stdio: 'pipe',
    });
  git('init', '-q');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  return root;
}

describe('LocalGitSource', () => {
  it("lists the commit's pipeline files with their sizes, and not what is left uncommitted", async () => {
    const step = 'a:\n  img: busybox\n  run: echo a\n';
    const root = repo({ 'ci/with space.dockercise.yaml': step, 'README.md': '# x\n' });
    writeFileSync(join(root, 'later.dockercise.yaml'), 'b:\n  img: busybox\n  run: echo b\n');
    const source = new LocalGitSource(await gitHead(root));
    expect(await source.pipelineFiles()).toEqual([
      { path: 'ci/with space.dockercise.yaml', bytes: Buffer.byteLength(step) },
    ]);
    const compiled = await compileSource(source);
    expect(compiled.ok && compiled.plan.steps.map((s) => s.name)).toEqual(['a']);
  });

  it('names the repository and commit when none is committed', async () => {
    const head = await gitHead(repo({ 'README.md': '# x\n' }));
    expect(await compileSource(new LocalGitSource(head))).toEqual({
      ok: false,
      empty: true,
      errors: [`no *.dockercise.yaml file is committed in ${head.root} at ${head.commit.slice(0, 7)}`],
    });
  });
});
