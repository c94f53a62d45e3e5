import { createReadStream } from 'node:fs';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalResultStore } from '@dockercise/agent';
import { CANCEL_MARKER, type RunResult, resultPaths, runPrefix } from '@dockercise/shared';
import type { ArtifactDownload, LogPage, ResultReader, RunLocation } from './result-reader.js';

/** Most of a log file one request returns; the viewer asks for the rest with the token. */
const PAGE_BYTES = 512 * 1024;

/** The local server's results: the same layout as the bucket, under its data folder. */
export class LocalResultReader implements ResultReader {
  constructor(private readonly root: string) {}

  async result(run: RunLocation): Promise<RunResult | undefined> {
    return this.store(run).loadResult();
  }

  /** The token is the byte offset after the last whole line returned: a growing log is followed. */
  async log(run: RunLocation, step: string, token?: string): Promise<LogPage> {
    const offset = token && /^\d+$/.test(token) ? Number(token) : 0;
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(this.path(run, resultPaths.log(step)), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { source: 'file', lines: [], nextToken: String(offset), complete: false };
      throw error;
    }
    try {
      const buffer = Buffer.alloc(PAGE_BYTES);
      const { bytesRead } = await file.read(buffer, 0, PAGE_BYTES, offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      const text = buffer.subarray(0, end).toString('utf8');
      return {
        source: 'file',
        lines: text.split('\n').filter(Boolean),
        nextToken: String(offset + end),
        complete: false,
      };
    } finally {
      await file.close();
    }
  }

  async output(run: RunLocation, step: string): Promise<Uint8Array | undefined> {
    return this.store(run).loadOutput(step);
  }

  async artifact(run: RunLocation, step: string, path: string): Promise<ArtifactDownload> {
    const file = this.path(run, resultPaths.artifact(step, path));
    await stat(file);
    return { file: createReadStream(file) };
  }

  async requestCancel(run: RunLocation): Promise<void> {
    // The run may not have started yet: the agent finds the request when it does.
    await mkdir(this.path(run, '.'), { recursive: true });
    await writeFile(this.path(run, CANCEL_MARKER), '');
  }

  /** The agent's own store for the run's folder: what it wrote, read back the way it reads it. */
  private store(run: RunLocation): LocalResultStore {
    return new LocalResultStore(this.path(run, '.'));
  }

  private path(run: RunLocation, relative: string): string {
    return join(this.root, runPrefix(run.pipeline, run.runId), relative);
  }
}
