import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheTooLargeError } from '../src/backend/cache-store.js';
import { S3CacheStore } from '../src/backends/aws/s3-cache-store.js';
import { bucketNamespace } from '../src/runner/cache-scope.js';
import { agentClients, newAccount } from './aws-harness.js';
import { docker, IMG, runFiles } from './harness.js';

const PIPELINE = 'cache-test';
const labelled = { label: [`dockercise.cache.pipeline=${PIPELINE}`] };

/** The cache volumes the runs made: a fresh host is one where they are gone. */
async function removeCacheVolumes(): Promise<void> {
  const { Volumes } = await docker.listVolumes({ filters: labelled });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true })));
}

afterEach(removeCacheVolumes);

describe('caches in the bucket (moto) through the real Docker engine', () => {
  it('saves a cache after success, restores it on a fresh host, and falls back by prefix', async () => {
    const account = await newAccount();
    const caches = new S3CacheStore(agentClients().s3, account.bucket, 64 * 1024 * 1024);
    const files = (key: string) => ({
      'a.dockercise.yaml': `deps:\n  img: ${IMG}\n  cache: [{ path: /deps, key: "${key}" }]\n  run: |\n    if [ -f /deps/lib/made.txt ]; then echo "restored $(cat /deps/lib/made.txt)"; else mkdir -p /deps/lib && echo first > /deps/lib/made.txt && echo made; fi\n`,
    });
    const first = await runFiles(files('deps-1'), { pipeline: PIPELINE, caches });
    expect(first.result.status).toBe('succeeded');
    expect(await first.output('deps')).toBe('made\n');
    const listed = await account.aws.s3.send(
      new ListObjectsV2Command({ Bucket: account.bucket, Prefix: 'cache/' }),
    );
    // Under the run's branch (none here): a branch saves only under its own.
    expect(listed.Contents?.map((o) => o.Key)).toEqual([
      `cache/${bucketNamespace(PIPELINE, undefined)}/deps-1.tar.gz`,
    ]);

    await removeCacheVolumes();
    const fresh = await runFiles(files('deps-1'), { pipeline: PIPELINE, caches });
    expect(await fresh.output('deps')).toBe('restored first\n');
    expect(fresh.result.steps[0]?.caches).toEqual([
      { path: '/deps', key: 'deps-1', hit: true, restoredFrom: 'deps-1' },
    ]);

    await removeCacheVolumes();
    const fallback = await runFiles(files('deps-2'), { pipeline: PIPELINE, caches });
    expect(await fallback.output('deps')).toBe('restored first\n');
    expect(fallback.result.steps[0]?.caches?.[0]?.restoredFrom).toBe('deps-1');
  });

  it('saves a large archive in parts and reads it back whole', async () => {
    const account = await newAccount();
    const caches = new S3CacheStore(agentClients().s3, account.bucket, 64 * 1024 * 1024);
    // Past lib-storage's 5 MiB part: a multipart upload (what the IAM test must see too).
    const bytes = randomBytes(11 * 1024 * 1024);
    await caches.save(PIPELINE, 'large', Readable.from([bytes.subarray(0, 6e6), bytes.subarray(6e6)]));
    const found = await caches.open(PIPELINE, 'large');
    const chunks: Buffer[] = [];
    for await (const chunk of found?.body ?? []) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('refuses an archive past the cap and leaves no object behind', async () => {
    const account = await newAccount();
    const caches = new S3CacheStore(agentClients().s3, account.bucket, 1024);
    const big = Readable.from([Buffer.alloc(4096, 1)]);
    await expect(caches.save(PIPELINE, 'big', big)).rejects.toBeInstanceOf(CacheTooLargeError);
    const listed = await account.aws.s3.send(
      new ListObjectsV2Command({ Bucket: account.bucket, Prefix: 'cache/' }),
    );
    expect(listed.Contents ?? []).toEqual([]);
  });
});
