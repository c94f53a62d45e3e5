import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { resultPaths } from '@dockercise/shared';
import { formatLogLine, type LogSink, type StepLog } from '../../logs/log-sink.js';

const PART_SIZE = 8 * 1024 * 1024;

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
            const key = this.prefix + resultPaths.log(step);
            const contentType = 'text/plain; charset=utf-8';
            if ((await stat(file)).size <= PART_SIZE) {
              // One request, with a known length; multipart only pays off for large logs.
              await this.s3.send(
                new PutObjectCommand({
                  Bucket: this.bucket,
                  Key: key,
                  Body: await readFile(file),
                  ContentType: contentType,
                }),
              );
            } else {
              await new Upload({
                client: this.s3,
                params: {
                  Bucket: this.bucket,
                  Key: key,
                  Body: createReadStream(file),
                  ContentType: contentType,
                },
                partSize: PART_SIZE,
                queueSize: 2,
              }).done();
            }
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        })();
        return closed;
      },
    };
  }
}
