import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CANCEL_MARKER } from '@dockercise/shared';
import { awsErrorName } from '../aws/clients.js';

/** How the control plane asks for a run to stop; polled while the run goes on. */
export interface CancelRequests {
  requested(runPrefix: string): Promise<boolean>;
}

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

/** A `cancel` file beside the run's result.json under a local results folder (the local server). */
export class FileCancelRequests implements CancelRequests {
  constructor(private readonly root: string) {}

  async requested(runPrefix: string): Promise<boolean> {
    return existsSync(join(this.root, runPrefix + CANCEL_MARKER));
  }
}

/** Checks for a cancel request every `intervalMs` and calls `onCancel` once when there is one. */
export function watchForCancel(
  requests: CancelRequests,
  runPrefix: string,
  intervalMs: number,
  onCancel: () => void,
  onError: (error: unknown) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    try {
      if (await requests.requested(runPrefix)) {
        stopped = true;
        onCancel();
        return;
      }
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(check, intervalMs);
  };
  timer = setTimeout(check, intervalMs);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
