import type { SecretBox } from '../crypto/secret-box.js';
import { MIGRATIONS } from './migrations.js';
import { PgDb } from './pg/pg-db.js';
import { createSqlStore, type SqlStore } from './sql-store.js';
import { SqliteDb } from './sqlite/sqlite-db.js';

/** `postgres://…` (or `postgresql://…`): PostgreSQL, for several replicas; anything else is a SQLite file. */
export const isPostgresUrl = (where: string): boolean => /^postgres(ql)?:\/\//.test(where);

/** The store a setting names: a PostgreSQL URL, or a SQLite file (the embedded default). */
export async function openStore(where: string, box: SecretBox): Promise<SqlStore> {
  return isPostgresUrl(where) ? openPgStore(where, box) : openSqliteStore(where, box);
}

/** The embedded store: one SQLite file, migrated as it opens. */
export function openSqliteStore(path: string, box: SecretBox): SqlStore {
  return createSqlStore(new SqliteDb(path, MIGRATIONS), box);
}

/** The store for a control plane of several replicas: connects and migrates (once, whichever replica gets the lock first). */
export async function openPgStore(url: string, box: SecretBox, poolSize?: number): Promise<SqlStore> {
  const db = new PgDb(url, poolSize);
  try {
    await db.migrate(MIGRATIONS);
  } catch (error) {
    await db.close();
    throw error;
  }
  return createSqlStore(db, box);
}
