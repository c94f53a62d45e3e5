import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LeaseHeld, RunLease, RunLeases } from '../../backend/run-leases.js';
import { awsErrorName } from './clients.js';

/** `runs/<pipeline>/<run-id>/lease`: `{ holder, expiresAt }`. */
const LEASE = 'lease';

interface LeaseBody {
  holder: string;
  expiresAt: number;
}

/**
 * Run leases in the results bucket. A lease is created only where there is none (`If-None-Match:
 * *`), and taken over, renewed or let go only as last read (`If-Match: <etag>`): of two agents
 * racing for it, S3 lets exactly one write win.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class S3RunLeases implements RunLeases {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(runPrefix: string, holder: string, ttlMs: number): Promise<RunLease | LeaseHeld> {
    const key = runPrefix + LEASE;
    for (let attempt = 0; attempt < 3; attempt++) {
      const created = await this.write(key, { holder, expiresAt: this.now() + ttlMs }, { IfNoneMatch: '*' });
      if (created) return this.lease(key, holder, ttlMs, created);
      const current = await this.read(key);
      if (!current) continue; // let go between our write and our read: try again
      if (current.body.holder !== holder && current.body.expiresAt > this.now())
        return { heldBy: current.body.holder, forMs: current.body.expiresAt - this.now() };
      // Ours from before (a restarted agent), or run out: take it over, if nobody else just did.
      const taken = await this.write(
        key,
        { holder, expiresAt: this.now() + ttlMs },
        { IfMatch: current.etag },
      );
      if (taken) return this.lease(key, holder, ttlMs, taken);
    }
    throw new Error(`could not take the lease ${key}: it keeps changing`);
  }

  private lease(key: string, holder: string, ttlMs: number, first: string): RunLease {
    let etag: string | undefined = first;
    return {
      renew: async () => {
        if (!etag) return false;
        etag = await this.write(key, { holder, expiresAt: this.now() + ttlMs }, { IfMatch: etag });
        return etag !== undefined;
      },
      release: async () => {
        if (!etag) return;
        await this.write(key, { holder, expiresAt: 0 }, { IfMatch: etag });
        etag = undefined;
      },
    };
  }

  /** The new ETag; undefined when the condition failed (412, or 409 for a write racing it). */
  private async write(
    key: string,
    body: LeaseBody,
    condition: { IfNoneMatch: string } | { IfMatch: string },
  ): Promise<string | undefined> {
    try {
      const put = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(body),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return put.ETag ?? '';
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  }

  private async read(key: string): Promise<{ body: LeaseBody; etag: string } | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = JSON.parse((await object.Body?.transformToString()) ?? '{}') as Partial<LeaseBody>;
      return {
        body: { holder: String(body.holder ?? ''), expiresAt: Number(body.expiresAt ?? 0) },
        etag: object.ETag ?? '',
      };
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
