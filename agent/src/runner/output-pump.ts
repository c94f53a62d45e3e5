import type { OutputChunk } from '../engine/engine.js';
import { LineSplitter } from '../logs/line-splitter.js';
import type { LogLine, StepLog } from '../logs/log-sink.js';
import type { SecretMasker } from '../logs/secret-masker.js';

/** A secret step's stderr, held back until its value is known. */
export interface Withheld {
  chunks: Buffer[];
  dropped: number;
}

/** How much of a secret step's stderr is held back before the rest is dropped. */
const WITHHELD_STDERR_LIMIT = 1024 * 1024;

export interface PumpOptions {
  /** Keep stdout as the step's output (the `run` phase). */
  capture: boolean;
  /** Write stdout to the log too (not for a secret step's `run`: stdout is the secret). */
  logStdout: boolean;
  /**
   * Hold stderr back: a secret step's `run` prints its secret on stdout, so until it ends the value
   * is unknown and its stderr cannot be masked.
   */
  withholdStderr: boolean;
  /** The largest stdout kept as the step's output. */
  limit: number;
  /**
   * Past the limit: `stop`, when another step reads the output (it would read a part): nothing is
   * kept and `onOverflow` is called once; `cut`, when nothing reads it: the first `limit` bytes are
   * kept and the step goes on, its log keeping every line.
   */
  overflow: 'stop' | 'cut';
  onOverflow(): void;
}

/** Streams a container's output into the step log, masked, and captures stdout when asked. */
export async function pumpOutput(
  stream: AsyncIterable<OutputChunk>,
  masker: SecretMasker,
  log: StepLog,
  options: PumpOptions,
): Promise<{ output?: Buffer; withheld?: Withheld; overflowed: boolean; cut: boolean }> {
  const splitters = { stdout: new LineSplitter(masker), stderr: new LineSplitter(masker) };
  const withheld: Withheld | undefined = options.withholdStderr ? { chunks: [], dropped: 0 } : undefined;
  let withheldBytes = 0;
  const captured: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  let cut = false;
  const toLines = (stream: LogLine['stream'], texts: string[]): LogLine[] => {
    const ts = Date.now();
    return texts.map((text) => ({ ts, stream, text }));
  };
  for await (const chunk of stream) {
    if (chunk.stream === 'stdout' && options.capture && !overflowed && !cut) {
      const room = options.limit - size;
      size += chunk.data.length;
      if (size <= options.limit) {
        captured.push(chunk.data);
      } else if (options.overflow === 'cut') {
        cut = true;
        captured.push(chunk.data.subarray(0, room));
      } else {
        overflowed = true;
        captured.length = 0;
        options.onOverflow();
      }
    }
    if (chunk.stream === 'stdout' && !options.logStdout) continue;
    if (chunk.stream === 'stderr' && withheld) {
      if (withheldBytes + chunk.data.length <= WITHHELD_STDERR_LIMIT) {
        withheld.chunks.push(chunk.data);
        withheldBytes += chunk.data.length;
      } else {
        withheld.dropped += chunk.data.length;
      }
      continue;
    }
    const texts = splitters[chunk.stream].push(chunk.data);
    if (texts.length > 0) await log.write(toLines(chunk.stream, texts));
  }
  const rest = [
    ...toLines('stdout', options.logStdout ? splitters.stdout.end() : []),
    ...toLines('stderr', splitters.stderr.end()),
  ];
  if (rest.length > 0) await log.write(rest);
  const output = options.capture && !overflowed ? Buffer.concat(captured) : undefined;
  return { ...(output ? { output } : {}), ...(withheld ? { withheld } : {}), overflowed, cut };
}

/** Logs a secret step's held-back stderr, masked with the value it printed (whatever the outcome). */
export async function writeWithheld(
  withheld: Withheld,
  output: Buffer | undefined,
  masker: SecretMasker,
  log: StepLog,
): Promise<void> {
  // Warnings about short parts come from keepOutput, once, when the step succeeds.
  if (output) masker.add(output.toString('utf8'));
  const splitter = new LineSplitter(masker);
  const texts = withheld.chunks.flatMap((chunk) => splitter.push(chunk));
  texts.push(...splitter.end());
  if (withheld.dropped > 0)
    texts.push(`[dockercise: ${withheld.dropped} more bytes of this secret step's stderr were dropped]`);
  const ts = Date.now();
  if (texts.length > 0) await log.write(texts.map((text) => ({ ts, stream: 'stderr' as const, text })));
}
