import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { resultPaths } from '@dockercise/shared';
import { formatLogLine, type LogSink, type StepLog } from './log-sink.js';

/**
 * `logs/<step>.log` in the results bucket. Lines are spooled to a local file (memory stays flat
 * whatever the log's size) and uploaded when the step ends, as a multipart upload when large.
 */
export class S3LogSink implements LogSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  open(step: string): StepLog {
    const spool = mkdtemp(join(tmpdir(), 'dockercise-log-')).then((dir) => ({ dir, file: join(dir, 'log') }));
    let stream: Promise<WriteStream> | undefined;
    const writer = (): Promise<WriteStream> => {
      stream ??= spool.then(({ file }) => createWriteStream(file));
      return stream;
    };
    let closed: Promise<void> | undefined;
    return {
      write: async (lines) => {
        if (lines.length === 0) return;
        const out = await writer();
        let text = '';
        for (const line of lines) text += `${formatLogLine(line)}\n`;
        if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      },
      close: () => {
        closed ??= (async () => {
          const out = await writer();
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          const { dir, file } = await spool;
          try {
            await new Upload({
              client: this.s3,
              params: {
                Bucket: this.bucket,
                Key: this.prefix + resultPaths.log(step),
                Body: createReadStream(file),
                ContentType: 'text/plain; charset=utf-8',
              },
              partSize: 8 * 1024 * 1024,
              queueSize: 2,
            }).done();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        })();
        return closed;
      },
    };
  }
}
