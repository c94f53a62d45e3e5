import type { Row } from './rows.js';

export type Params = ReadonlyArray<string | number | null>;

/** What one SQL statement needs: rows to read, or a count of rows written. */
export interface SqlStatements {
  /** The rows a statement gives: a SELECT's, or a write's with RETURNING. */
  all(sql: string, params?: Params): Promise<Row[]>;
  /** Runs a write without RETURNING: how many rows it inserted, changed or deleted. */
  run(sql: string, params?: Params): Promise<number>;
}

/**
 * The database under the store, SQLite or PostgreSQL: statements are written once, in the SQL the
 * two share, with `?` placeholders (PostgreSQL's adapter numbers them) and RETURNING (SQLite has it
 * since 3.35); what they do not share is a dialect hook. Every statement is prepared once.
 */
export interface SqlDb extends SqlStatements {
  readonly dialect: Dialect;
  /**
   * `work` in one transaction, all written or none. Statements outside it wait until it ends: on
   * SQLite's one connection they would otherwise land inside it.
   */
  transaction<T>(work: (tx: SqlStatements) => Promise<T>): Promise<T>;
  /** Statements sent since the database was opened: what the benchmark counts per delivery. */
  readonly roundTrips: number;
  /** The newest migration applied. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Where the two databases' SQL differs. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Ends a SELECT whose rows a write takes: on PostgreSQL another replica skips them rather than
   * waiting; SQLite has one writer at a time and nothing to skip.
   */
  readonly skipLocked: string;
  /** Ends a SELECT whose row the transaction then rewrites from what it read. */
  readonly forUpdate: string;
  /** A column of ids the database gives out. */
  readonly autoId: string;
  /** A 64-bit integer column (GitHub's ids). */
  readonly bigint: string;
  /** A field of a JSON object held as text. */
  jsonField(column: string, field: string): string;
}
