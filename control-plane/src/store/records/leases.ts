import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

export type LeaseRecords = Pick<Store, 'holdLease'>;

export function leaseRecords(db: SqlDb): LeaseRecords {
  return {
    async holdLease(name, now, claim) {
      const held = await db.run(
        `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
           WHERE leases.until < ? OR leases.holder = excluded.holder`,
        [name, claim.holder, claim.until, now],
      );
      return held === 1;
    },
  };
}
