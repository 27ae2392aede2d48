import type { Provider } from '../config/provider.ts';

/** The part of a connection that both the whole database and one transaction offer. */
export interface SqlRunner {
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  execute(sql: string, params?: unknown[]): Promise<void>;
}

/**
 * Everything deploy and status need from a database. The deploy runner never branches on the
 * provider: the differences (placeholders, timestamps, locking, how a transaction is made
 * safe for DDL) live in the two implementations of this interface.
 */
export interface Database extends SqlRunner {
  readonly provider: Provider;
  /** The URL with any password removed, for messages. */
  readonly displayUrl: string;
  /** Placeholder for the n-th (1-based) query parameter. */
  param(n: number): string;
  /** Converts a JS date to what this driver stores in a timestamp column. */
  timestamp(date: Date): unknown;
  /**
   * Runs `work` while holding the lock that serialises concurrent deploys against this database.
   * Another process calling this waits until the first one is done.
   */
  withDeployLock<T>(work: () => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction: all of it commits, or none of it does. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Names of the tables in the schema the orchestrator migrates. */
  listTables(): Promise<string[]>;
  /**
   * The schema the orchestrator migrates, when the connection names one; otherwise the dialect's
   * default (`public`, `main`).
   */
  readonly schema?: string;
  /**
   * Index names (and, on SQLite, trigger names) → the table each is on, from the live catalog of
   * that schema: `DROP INDEX "x"` names no table, the catalog does.
   */
  listIndexTables?(): Promise<Map<string, string>>;
  close(): Promise<void>;
}
