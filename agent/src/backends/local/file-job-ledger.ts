import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jobRecordKey } from '@dockercise/shared';
import type { JobLedger } from '../../backend/job-ledger.js';

/** The ledger in a folder, for the local server: a file created only if it does not exist. */
export class FileJobLedger implements JobLedger {
  constructor(private readonly dir: string) {}

  async claim(nonce: string, messageId: string): Promise<'first' | 'redelivery' | 'replay'> {
    const path = join(this.dir, jobRecordKey(nonce));
    await mkdir(join(path, '..'), { recursive: true });
    try {
      await writeFile(path, messageId, { flag: 'wx' });
      return 'first';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return (await readFile(path, 'utf8')) === messageId ? 'redelivery' : 'replay';
  }
}
