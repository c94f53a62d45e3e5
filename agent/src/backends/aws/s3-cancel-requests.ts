import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CANCEL_MARKER } from '@dockercise/shared';
import type { CancelRequests } from '../../backend/cancel-requests.js';
import { awsErrorName } from './clients.js';

/** A `cancel` object beside the run's result.json in the results bucket. */
export class S3CancelRequests implements CancelRequests {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async requested(runPrefix: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: runPrefix + CANCEL_MARKER }));
      return true;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NotFound' || name === 'NoSuchKey') return false;
      throw error;
    }
  }
}
