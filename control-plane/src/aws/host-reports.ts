import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { HOSTS_PREFIX, type HostReport, hostIsLost, hostReportSchema } from '@dockercise/shared';
import type { AccountClients } from './account-access.js';

export type HostView = Omit<HostReport, 'state'> & { state: HostReport['state'] | 'lost' };

/** More hosts than any stack runs; a bound on what one look at the account page reads. */
const MAX_HOSTS = 50;

/**
 * The hosts' own reports from the results bucket (`hosts/<instance-id>.json`), newest first; a
 * host that stopped writing without saying it stopped is `lost`. A report that does not parse is
 * left out: it is the customer's bucket, not ours.
 */
export async function readHostReports(
  clients: AccountClients,
  bucket: string,
  now: number,
): Promise<HostView[]> {
  const listed = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: HOSTS_PREFIX, MaxKeys: MAX_HOSTS }),
  );
  const keys = (listed.Contents ?? []).flatMap((o) => (o.Key?.endsWith('.json') ? [o.Key] : []));
  const reports = await Promise.all(
    keys.map(async (Key) => {
      try {
        const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const parsed = hostReportSchema.safeParse(JSON.parse((await object.Body?.transformToString()) ?? ''));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    }),
  );
  return reports
    .flat()
    .map((r): HostView => (hostIsLost(r, now) ? { ...r, state: 'lost' } : r))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
