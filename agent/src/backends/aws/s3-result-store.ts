import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type RunResult, resultPaths, runResultSchema } from '@dockercise/shared';
import type { ResultStore } from '../../backend/result-store.js';
import { awsErrorName } from './clients.js';

/** A run's results in the customer's bucket, under `runs/<pipeline>/<run-id>/`. */
export class S3ResultStore implements ResultStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  async saveResult(result: RunResult): Promise<void> {
    await this.put(resultPaths.result, JSON.stringify(result), 'application/json');
  }

  async saveOutput(step: string, output: Uint8Array): Promise<void> {
    await this.put(resultPaths.output(step), output, 'application/octet-stream');
  }

  async loadResult(): Promise<RunResult | undefined> {
    const bytes = await this.get(resultPaths.result);
    return bytes ? runResultSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8'))) : undefined;
  }

  async loadOutput(step: string): Promise<Uint8Array | undefined> {
    return this.get(resultPaths.output(step));
  }

  /** Streamed, multipart past 8 MiB (parts retried by the SDK with backoff): large files never sit in memory. */
  async saveArtifact(step: string, path: string, content: Readable, size: number): Promise<void> {
    await new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: this.prefix + resultPaths.artifact(step, path),
        Body: content,
        ContentLength: size,
        ContentType: 'application/octet-stream',
      },
      partSize: 8 * 1024 * 1024,
      queueSize: 4,
    }).done();
  }

  /** Outputs are capped at a few MiB, so a single PutObject suffices; logs go through S3LogSink. */
  private async put(relative: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + relative,
        Body: body,
        ContentType: contentType,
      }),
    );
  }

  async get(relative: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + relative }),
      );
      return response.Body ? await response.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey' || awsErrorName(error) === 'NotFound') return undefined;
      throw error;
    }
  }
}
