import pg from 'pg';
import type { Migration } from '../migrations.js';
import type { Row } from '../rows.js';
import type { Dialect, Params, SqlDb, SqlStatements } from '../sql-db.js';
import { StoreUnavailableError } from '../store.js';

/** The advisory lock migrations hold: one replica migrates while the others wait for it. */
const MIGRATION_LOCK = 7_442_901;

const POSTGRES: Dialect = {
  name: 'postgres',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
  autoId: 'BIGSERIAL PRIMARY KEY',
  bigint: 'BIGINT',
  jsonField: (column, field) => `(${column}::json ->> '${field}')`,
};

/** Errors that say the server is not there (yet, or any more): retrying later may work. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** A statement as PostgreSQL takes it: its name (prepared once per connection) and `$n` placeholders. */
interface Prepared {
  name: string;
  text: string;
}

/**
 * A PostgreSQL pool for the store: every statement prepared once per connection under a name,
 * migrations under an advisory lock, and a database that is down turned into
 * StoreUnavailableError (a 503, never a 500).
 */
export class PgDb implements SqlDb {
  readonly dialect = POSTGRES;
  /** Queries sent to the server since it was opened (a transaction's BEGIN and COMMIT count). */
  roundTrips = 0;
  private readonly pool: pg.Pool;
  private readonly prepared = new Map<string, Prepared>();

  constructor(url: string, max = 10) {
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A connection the server drops while idle (a restart) must not crash the process.
    this.pool.on('error', () => {});
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    await this.onOneConnection(async (client) => {
      await this.raw(client, 'SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await this.raw(
        client,
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      await this.renumberOwnSchema(client);
      const applied = new Set(
        (await this.raw(client, 'SELECT version FROM schema_migrations')).rows.map((row) =>
          Number(row.version),
        ),
      );
      for (const [index, migration] of migrations.entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        await this.raw(client, typeof migration === 'string' ? migration : migration(POSTGRES));
        await this.raw(client, 'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          version,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async all(sql: string, params: Params = []): Promise<Row[]> {
    return (await this.send(this.pool, sql, params)).rows;
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return (await this.send(this.pool, sql, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlStatements) => Promise<T>): Promise<T> {
    return this.onOneConnection((client) =>
      work({
        all: async (sql, params = []) => (await this.send(client, sql, params)).rows,
        run: async (sql, params = []) => (await this.send(client, sql, params)).rowCount ?? 0,
      }),
    );
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.all('SELECT MAX(version) AS v FROM schema_migrations'))[0]?.v ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Before one migration list served both databases, PostgreSQL had its own: its 1 was SQLite's
   * first 13 in one, its 2 is SQLite's 14. A database from then (it has the leases of 13 but says
   * less than 13) is given the numbers it now has, so nothing runs twice.
   */
  private async renumberOwnSchema(client: pg.PoolClient): Promise<void> {
    const [state] = (
      await this.raw(
        client,
        `SELECT (SELECT MAX(version) FROM schema_migrations) AS v, to_regclass('leases') IS NOT NULL AS leases`,
      )
    ).rows;
    const version = Number(state?.v ?? 0);
    if (!state?.leases || version >= 13) return;
    await this.raw(client, 'DELETE FROM schema_migrations');
    await this.raw(
      client,
      'INSERT INTO schema_migrations (version, applied_at) SELECT v, $1 FROM generate_series(1, $2::int) AS v',
      [new Date().toISOString(), version + 12],
    );
  }

  /** `work` on one connection in one transaction: all of it is written, or none. */
  private async onOneConnection<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    try {
      await this.raw(client, 'BEGIN');
      const result = await work(client);
      await this.raw(client, 'COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async send(on: pg.Pool | pg.PoolClient, sql: string, params: Params): Promise<pg.QueryResult<Row>> {
    const { name, text } = this.prepare(sql);
    return this.query(on, { name, text, values: [...params] });
  }

  /** Not prepared: statements run once (migrations, BEGIN), several in one text allowed. */
  private raw(on: pg.PoolClient, text: string, values: Params = []): Promise<pg.QueryResult<Row>> {
    return this.query(on, { text, values: [...values] });
  }

  private async query(on: pg.Pool | pg.PoolClient, query: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    this.roundTrips++;
    try {
      return await on.query<Row>(query);
    } catch (error) {
      throw unavailable(error);
    }
  }

  private prepare(sql: string): Prepared {
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      prepared = { name: `dockercise_${this.prepared.size + 1}`, text: numberPlaceholders(sql) };
      this.prepared.set(sql, prepared);
    }
    return prepared;
  }
}

/** `?` becomes `$1`, `$2`, … in order; a `?` inside a quoted literal stays. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const char of sql) {
    if (char === "'") quoted = !quoted;
    out += char === '?' && !quoted ? `$${++n}` : char;
  }
  return out;
}

function unavailable(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (
    UNAVAILABLE_CODES.has(code) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(message)
  )
    return new StoreUnavailableError(`the database is unreachable: ${message}`, { cause: error });
  return error;
}
