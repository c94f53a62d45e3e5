import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CANCEL_MARKER } from '@dockercise/shared';
import type { CancelRequests } from '../../backend/cancel-requests.js';

/** A `cancel` file beside the run's result.json under a local results folder (the local server). */
export class FileCancelRequests implements CancelRequests {
  constructor(private readonly root: string) {}

  async requested(runPrefix: string): Promise<boolean> {
    return existsSync(join(this.root, runPrefix + CANCEL_MARKER));
  }
}
