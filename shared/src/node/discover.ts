import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isPipelineFile, type PipelineSource } from '../pipeline/compile.js';

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** Every `*.dockercise.yaml` / `*.dockercise.yml` below `root`, in sorted path order. */
export async function discoverPipelineFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(join(dir, entry.name));
      } else if (entry.isFile() && isPipelineFile(entry.name)) {
        found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  await walk(root);
  return found.sort();
}

export async function readPipelineSources(root: string): Promise<PipelineSource[]> {
  const paths = await discoverPipelineFiles(root);
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(join(root, path), 'utf8') })));
}
