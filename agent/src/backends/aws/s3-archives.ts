import { type Readable, Transform } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsErrorName } from './clients.js';

/**
 * Streams an archive into the bucket as a multipart upload of parts as they come, never whole in
 * memory; past `maxBytes` it stops with `tooLarge()`'s error, and an error aborts the upload, so no
 * partial archive is left.
 */
export async function uploadArchive(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Readable,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<void> {
  let bytes = 0;
  const capped = new Transform({
    transform: (chunk: Buffer, _encoding, done) => {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLarge());
      else done(null, chunk);
    },
  });
  body.on('error', (error) => capped.destroy(error));
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body.pipe(capped), ContentType: 'application/gzip' },
    queueSize: 2,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (error) {
    await upload.abort().catch(() => {});
    throw error;
  }
}

/** The object's body as a stream, or undefined when there is no such object. */
export async function openObject(s3: S3Client, bucket: string, key: string): Promise<Readable | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body as Readable | undefined;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}
