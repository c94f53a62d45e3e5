import type { HostReport } from '@dockercise/shared';

/** Where a host says how it stands: the results bucket on an agent (`hosts/<instance-id>.json`). */
export interface HostReports {
  save(report: HostReport): Promise<void>;
}
