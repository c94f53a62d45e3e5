import type { Readable } from 'node:stream';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { cacheObjectKey, cachePrefix } from '@dockercise/shared';
import { type CacheStore, CacheTooLargeError, fallbackPrefix } from '../../backend/cache-store.js';
import { openObject, uploadArchive } from './s3-archives.js';

const SUFFIX = '.tar.gz';

/** Caches in the customer's bucket under `cache/<pipeline>/`, which the stack expires. */
export class S3CacheStore implements CacheStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly maxBytes: number,
  ) {}

  async open(pipeline: string, key: string): Promise<{ key: string; body: Readable } | undefined> {
    const exact = await this.get(cacheObjectKey(pipeline, key));
    if (exact) return { key, body: exact };
    const prefix = fallbackPrefix(key);
    if (!prefix) return undefined;
    const newest = await this.newest(pipeline, prefix);
    if (!newest) return undefined;
    const body = await this.get(newest.objectKey);
    return body ? { key: newest.key, body } : undefined;
  }

  async save(pipeline: string, key: string, body: Readable): Promise<void> {
    await uploadArchive(
      this.s3,
      this.bucket,
      cacheObjectKey(pipeline, key),
      body,
      this.maxBytes,
      () => new CacheTooLargeError(`the cache is larger than ${formatGiB(this.maxBytes)}; not saved`),
    );
  }

  private get(objectKey: string): Promise<Readable | undefined> {
    return openObject(this.s3, this.bucket, objectKey);
  }

  /** The newest archive whose key starts with `prefix`. */
  private async newest(
    pipeline: string,
    prefix: string,
  ): Promise<{ key: string; objectKey: string } | undefined> {
    const base = cachePrefix(pipeline);
    let best: { key: string; objectKey: string; at: number } | undefined;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: cachePrefix(pipeline, prefix),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith(SUFFIX)) continue;
        const at = object.LastModified?.getTime() ?? 0;
        if (best && best.at >= at) continue;
        const encoded = object.Key.slice(base.length, -SUFFIX.length);
        best = { key: decodeURIComponent(encoded), objectKey: object.Key, at };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return best ? { key: best.key, objectKey: best.objectKey } : undefined;
  }
}

export function formatGiB(bytes: number): string {
  return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
}
