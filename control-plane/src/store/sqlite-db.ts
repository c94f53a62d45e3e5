import Database from 'better-sqlite3';

/** One SQLite file opened for the store: WAL mode, migrations applied, statements compiled once. */
export class SqliteDb {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, migrations: readonly string[]) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL still survives a crash of the process (what the reconciler recovers from);
    // only a power loss can drop the last commits, and it saves an fsync per webhook delivery.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate(migrations);
  }

  /** Each statement is compiled once: preparing per call cost a webhook delivery ~5% of its time. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction<T>(work: () => T): () => T {
    return this.db.transaction(work);
  }

  get schemaVersion(): number {
    return (this.sql('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  close(): void {
    this.db.close();
  }

  /** Migration N is the N-th entry; each is applied once, in its own transaction. */
  private migrate(migrations: readonly string[]): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      this.db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => (row as { version: number }).version),
    );
    migrations.forEach((sql, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(version, new Date().toISOString());
      })();
    });
  }
}
