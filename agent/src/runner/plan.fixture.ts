import type { Readable } from 'node:stream';
import { compilePipeline, type Plan, type PlanStep, type RunResult } from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';
import type { LogSink } from '../logs/log-sink.js';

/** A plan step for unit tests: a trivial busybox step, with the fields a test cares about. */
export function planStep(name: string, fields: Partial<PlanStep> = {}): PlanStep {
  return {
    name,
    img: 'busybox',
    run: ['true'],
    env: [],
    vol: [],
    needs: [],
    timeout: 60,
    secret: false,
    source: { file: 'f', line: 1, col: 1 },
    ...fields,
  };
}

/** The plan of pipeline files given by path. */
export function compile(files: Record<string, string>): Plan {
  const result = compilePipeline(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
}

/** A result store in memory: what survives between two attempts at a run. */
export class MemoryStore implements ResultStore {
  readonly location = 'memory';
  result: RunResult | undefined;
  readonly outputs = new Map<string, Uint8Array>();
  async saveResult(result: RunResult): Promise<void> {
    this.result = structuredClone(result);
  }
  async saveOutput(step: string, output: Uint8Array): Promise<void> {
    this.outputs.set(step, output);
  }
  async loadResult(): Promise<RunResult | undefined> {
    return this.result;
  }
  async loadOutput(step: string): Promise<Uint8Array | undefined> {
    return this.outputs.get(step);
  }

  readonly artifacts = new Map<string, Buffer>();

  async saveArtifact(step: string, path: string, content: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(Buffer.from(chunk as Buffer));
    this.artifacts.set(`${step}/${path}`, Buffer.concat(chunks));
  }
}

export class MemoryLogs implements LogSink {
  readonly lines = new Map<string, string[]>();
  open(step: string) {
    return {
      write: async (lines: readonly { text: string }[]) => {
        this.lines.set(step, [...(this.lines.get(step) ?? []), ...lines.map((l) => l.text)]);
      },
      close: async () => {},
    };
  }
}
