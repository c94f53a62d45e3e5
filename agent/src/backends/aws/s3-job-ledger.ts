import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jobRecordKey } from '@dockercise/shared';
import type { JobLedger } from '../../backend/job-ledger.js';
import { awsErrorName } from './clients.js';

/**
 * The ledger in the customer's bucket: a conditional write (`If-None-Match: *`) creates a job's
 * record only when there is none, so two agents given the same job cannot both be first.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class S3JobLedger implements JobLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async claim(nonce: string, messageId: string): Promise<'first' | 'redelivery' | 'replay'> {
    const Key = jobRecordKey(nonce);
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: messageId, IfNoneMatch: '*' }),
      );
      return 'first';
    } catch (error) {
      // 412 when the record exists; 409 when another write of it is under way.
      const name = awsErrorName(error);
      if (name !== 'PreconditionFailed' && name !== 'ConditionalRequestConflict') throw error;
    }
    const record = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    const first = (await record.Body?.transformToString()) ?? '';
    return first === messageId ? 'redelivery' : 'replay';
  }
}
