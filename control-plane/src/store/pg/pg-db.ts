import pg from 'pg';
import { StoreUnavailableError } from '../store.js';

/** The advisory lock migrations hold: one replica migrates while the others wait for it. */
const MIGRATION_LOCK = 7_442_901;

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

export type Params = ReadonlyArray<string | number | null>;

/**
 * A PostgreSQL pool for the store: every query a named prepared statement (parsed once per
 * connection), migrations under an advisory lock, and a database that is down turned into
 * StoreUnavailableError (a 503, never a 500). Counts round trips, for the benchmark.
 */
export class PgDb {
  private readonly pool: pg.Pool;
  private readonly names = new Map<string, string>();
  /** Queries sent to the server since it was opened (a transaction's BEGIN and COMMIT count). */
  roundTrips = 0;

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

  async migrate(migrations: readonly string[]): Promise<void> {
    await this.transaction(async (q) => {
      await q.raw('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await q.raw(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      const applied = new Set(
        (await q.raw('SELECT version FROM schema_migrations')).map((row) => Number(row.version)),
      );
      for (const [index, sql] of migrations.entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        await q.raw(sql);
        await q.raw('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          version,
          new Date().toISOString(),
        ]);
      }
    });
  }

  /** One statement, prepared once per connection under a name of its own. */
  async query(text: string, params: Params = []): Promise<Array<Record<string, unknown>>> {
    return this.run(this.pool, text, params);
  }

  /** `work` in one transaction on one connection: all of it is written, or none. */
  async transaction<T>(work: (q: Querier) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    const q: Querier = {
      query: (text, params = []) => this.run(client, text, params),
      raw: (text, params = []) => this.run(client, text, params, false),
    };
    try {
      await q.raw('BEGIN');
      const result = await work(q);
      await q.raw('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async run(
    on: pg.Pool | pg.PoolClient,
    text: string,
    params: Params,
    prepared = true,
  ): Promise<Array<Record<string, unknown>>> {
    this.roundTrips++;
    try {
      const result = await on.query(
        prepared ? { name: this.nameOf(text), text, values: [...params] } : { text, values: [...params] },
      );
      return result.rows as Array<Record<string, unknown>>;
    } catch (error) {
      throw unavailable(error);
    }
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `dockercise_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }
}

export interface Querier {
  query(text: string, params?: Params): Promise<Array<Record<string, unknown>>>;
  /** Not prepared: statements run once (migrations, BEGIN). */
  raw(text: string, params?: Params): Promise<Array<Record<string, unknown>>>;
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
