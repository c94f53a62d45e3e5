import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { WorkspaceSnapshots } from '../../backend/workspace-snapshots.js';
import { openObject, uploadArchive } from './s3-archives.js';
import { formatGiB } from './s3-cache-store.js';

/** `workspaces/<pipeline>/<run-id>/<owner>.tar.gz` in the customer's bucket, which the stack expires. */
const keyOf = (pipeline: string, runId: string, owner: string): string =>
  `workspaces/${pipeline}/${runId}/${owner}.tar.gz`;

export class S3WorkspaceSnapshots implements WorkspaceSnapshots {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly maxBytes: number,
  ) {}

  save(pipeline: string, runId: string, owner: string, body: Readable): Promise<void> {
    return uploadArchive(
      this.s3,
      this.bucket,
      keyOf(pipeline, runId, owner),
      body,
      this.maxBytes,
      () =>
        new Error(
          `the workspace of ${owner} is larger than ${formatGiB(this.maxBytes)}; not kept for the gate`,
        ),
    );
  }

  open(pipeline: string, runId: string, owner: string): Promise<Readable | undefined> {
    return openObject(this.s3, this.bucket, keyOf(pipeline, runId, owner));
  }
}
