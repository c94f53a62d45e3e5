import type { SecretBox } from '../crypto/secret-box.js';
import { accountRecords } from './records/accounts.js';
import { approvalRecords } from './records/approvals.js';
import { buildRecords } from './records/builds.js';
import { leaseRecords } from './records/leases.js';
import { repoRecords } from './records/repos.js';
import { runSendingRecords } from './records/run-sending.js';
import { runStatusRecords } from './records/run-status.js';
import { runRecords } from './records/runs.js';
import { userRecords } from './records/users.js';
import type { SqlDb } from './sql-db.js';
import type { Store } from './store.js';

/** The store over either database; `db` is there for what tests and benchmarks count. */
export interface SqlStore extends Store {
  readonly db: SqlDb;
}

/**
 * The one store: each kind of record has its statements in a file of its own (records/), written
 * once for SQLite and PostgreSQL alike; secrets are sealed on the way in and opened on the way out.
 */
export function createSqlStore(db: SqlDb, box: SecretBox): SqlStore {
  return {
    db,
    ...userRecords(db, box),
    ...accountRecords(db, box),
    ...repoRecords(db, box),
    ...buildRecords(db),
    ...runRecords(db),
    ...runSendingRecords(db),
    ...runStatusRecords(db),
    ...approvalRecords(db),
    ...leaseRecords(db),
    close: () => db.close(),
  };
}
