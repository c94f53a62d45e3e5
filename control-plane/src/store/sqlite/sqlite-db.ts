import Database from 'better-sqlite3';
import type { Migration } from '../migrations.js';
import type { Row } from '../rows.js';
import type { Dialect, Params, SqlDb, SqlStatements } from '../sql-db.js';

const SQLITE: Dialect = {
  name: 'sqlite',
  skipLocked: '',
  forUpdate: '',
  autoId: 'INTEGER PRIMARY KEY',
  bigint: 'INTEGER',
  jsonField: (column, field) => `json_extract(${column}, '$.${field}')`,
};

/**
 * One SQLite file: WAL mode, migrated when opened (synchronously, as better-sqlite3 is: opening a
 * store needs no await), each statement compiled once.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = SQLITE;
  roundTrips = 0;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** A transaction in progress: statements from outside it wait for its end. */
  private inTransaction: Promise<void> | undefined;

  constructor(path: string, migrations: readonly Migration[]) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL still survives a crash of the process (what the reconciler recovers from);
    // only a power loss can drop the last commits, and it saves an fsync per webhook delivery.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate(migrations);
  }

  async all(sql: string, params: Params = []): Promise<Row[]> {
    while (this.inTransaction) await this.inTransaction;
    return this.allNow(sql, params);
  }

  async run(sql: string, params: Params = []): Promise<number> {
    while (this.inTransaction) await this.inTransaction;
    return this.runNow(sql, params);
  }

  async transaction<T>(work: (tx: SqlStatements) => Promise<T>): Promise<T> {
    while (this.inTransaction) await this.inTransaction;
    let end = (): void => {};
    this.inTransaction = new Promise((resolve) => {
      end = resolve;
    });
    const tx: SqlStatements = {
      all: async (sql, params = []) => this.allNow(sql, params),
      run: async (sql, params = []) => this.runNow(sql, params),
    };
    try {
      // IMMEDIATE: the write lock first, so another process's writer makes this wait (busy_timeout)
      // rather than fail half-way.
      this.db.exec('BEGIN IMMEDIATE');
      const result = await work(tx);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.inTransaction = undefined;
      end();
    }
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.all('SELECT MAX(version) AS v FROM schema_migrations'))[0]?.v ?? 0);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private allNow(sql: string, params: Params): Row[] {
    this.roundTrips++;
    return this.statement(sql).all(...params) as Row[];
  }

  private runNow(sql: string, params: Params): number {
    this.roundTrips++;
    return this.statement(sql).run(...params).changes;
  }

  /** Each statement is compiled once: preparing per call cost a webhook delivery ~5% of its time. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Migration N is the N-th entry; each is applied once, in its own transaction. */
  private migrate(migrations: readonly Migration[]): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      this.db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => (row as { version: number }).version),
    );
    migrations.forEach((migration, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(typeof migration === 'string' ? migration : migration(SQLITE));
        this.db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(version, new Date().toISOString());
      })();
    });
  }
}
