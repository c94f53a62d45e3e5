import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type RunResult, resultPaths, runResultSchema } from '@dockercise/shared';
import type { ResultStore } from '../../backend/result-store.js';

/** `.dockercise/runs/<run-id>/` on the local disk. */
export class LocalResultStore implements ResultStore {
  constructor(readonly location: string) {}

  async saveResult(result: RunResult): Promise<void> {
    await this.writeAtomically(resultPaths.result, `${JSON.stringify(result, null, 2)}\n`);
  }

  async saveOutput(step: string, output: Uint8Array): Promise<void> {
    await this.writeAtomically(resultPaths.output(step), output);
  }

  async loadResult(): Promise<RunResult | undefined> {
    const text = await readIfExists(join(this.location, resultPaths.result));
    if (text === undefined) return undefined;
    return runResultSchema.parse(JSON.parse(text.toString('utf8')));
  }

  async loadOutput(step: string): Promise<Uint8Array | undefined> {
    return readIfExists(join(this.location, resultPaths.output(step)));
  }

  async saveArtifact(step: string, path: string, content: Readable): Promise<void> {
    const target = join(this.location, resultPaths.artifact(step, path));
    await mkdir(join(target, '..'), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await pipeline(content, createWriteStream(temporary));
    await rename(temporary, target);
  }

  /** Readers (the UI, a resumed run) never see a half-written file. */
  private async writeAtomically(relative: string, data: string | Uint8Array): Promise<void> {
    const path = join(this.location, relative);
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  }
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
