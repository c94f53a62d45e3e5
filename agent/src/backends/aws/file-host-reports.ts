import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HostReport } from '@dockercise/shared';
import type { HostReports } from '../../backend/host-reports.js';

/**
 * The host's report as a local file too (/run/dockercise/host.json), for its watchdog: a script
 * that needs neither the network nor the agent to tell that the agent is stuck.
 */
export class FileHostReports implements HostReports {
  constructor(private readonly path: string) {}

  async save(report: HostReport): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const next = `${this.path}.next`;
    await writeFile(next, `${JSON.stringify(report)}\n`);
    await rename(next, this.path);
  }
}
