import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type HostReport, hostKey } from '@dockercise/shared';
import type { HostReports } from '../../backend/host-reports.js';

/** A host's report in the results bucket, where the control plane reads it through its role. */
export class S3HostReports implements HostReports {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async save(report: HostReport): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: hostKey(report.instanceId),
        Body: JSON.stringify(report),
        ContentType: 'application/json',
      }),
    );
  }
}
