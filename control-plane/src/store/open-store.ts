import type { SecretBox } from '../crypto/secret-box.js';
import { PgStore } from './pg/pg-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** `postgres://…` (or `postgresql://…`): PostgreSQL, for several replicas; anything else is a SQLite file. */
export const isPostgresUrl = (where: string): boolean => /^postgres(ql)?:\/\//.test(where);

/** The store a setting names: a PostgreSQL URL, or a SQLite file (the embedded default). */
export async function openStore(where: string, box: SecretBox): Promise<Store> {
  return isPostgresUrl(where) ? PgStore.open(where, box) : new SqliteStore(where, box);
}
