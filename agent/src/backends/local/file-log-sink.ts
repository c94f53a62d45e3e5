import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { resultPaths } from '@dockercise/shared';
import { formatLogLine, type LogSink, type StepLog } from '../../logs/log-sink.js';

/** `logs/<step>.log` under a run's folder: one timestamped line per log line. */
export class FileLogSink implements LogSink {
  constructor(private readonly runDir: string) {}

  open(step: string): StepLog {
    const path = join(this.runDir, resultPaths.log(step));
    mkdirSync(join(path, '..'), { recursive: true });
    // Appending: a resumed run adds to the log of the attempt before it.
    const stream = createWriteStream(path, { flags: 'a' });
    let closed: Promise<void> | undefined;
    return {
      write: (lines) => {
        if (lines.length === 0 || closed) return Promise.resolve();
        let text = '';
        for (const line of lines) text += `${formatLogLine(line)}\n`;
        return stream.write(text) ? Promise.resolve() : drained(stream);
      },
      close: () => {
        closed ??= new Promise<void>((resolve, reject) =>
          stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        return closed;
      },
    };
  }
}

function drained(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      stream.off('drain', onDrain);
      reject(error);
    };
    const onDrain = (): void => {
      stream.off('error', onError);
      resolve();
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
