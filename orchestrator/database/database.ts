import type { Provider } from '../config/provider.ts';
import type { PluginRoleStore } from './plugin-role-store.ts';

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
  /**
   * Runs `work` in one transaction: all of it commits, or none of it does. Inside
   * `withTransactionGroup` it is a savepoint of the group's transaction instead.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs `statements` (values already inlined with `literal`) in one transaction, all or nothing,
   * in as few round trips as the driver allows: PostgreSQL sends them as one query.
   * `guard` runs first in the same transaction and may query; false ends it with nothing run
   * (result false). It re-checks, under the write lock, what was read before; a database whose
   * deploy lock is held from before the history was read until the run ends (PostgreSQL's
   * advisory lock) skips it, since nothing else can write meanwhile.
   * A failure throws BatchError: which statement failed (none: the commit), the error as cause.
   * `options.runAs`: some of the statements run as another role (a plugin's), the rest as the
   * connected user; only a database with `pluginRoles` accepts it.
   */
  runBatch(statements: string[], guard?: (tx: SqlRunner) => Promise<boolean>, options?: BatchOptions): Promise<boolean>;
  /**
   * `execute` outside any transaction, as `role` when given (a plugin's step that cannot run in
   * a transaction, deployed with roles managed); the connected user again afterwards.
   */
  executeAs(sql: string, role: string | undefined): Promise<void>;
  /** The database's roles, for one role per plugin (orchestrator/roles/); undefined where it has none (SQLite). */
  readonly pluginRoles?: PluginRoleStore;
  /**
   * Groups the transactions `work` runs (transaction, runBatch) into one transaction of the
   * database, each becoming a savepoint, so a run pays one commit instead of one per step:
   * - `keep-earlier`: a failing unit is rolled back to its savepoint, and what the units before
   *   it did is committed when `work` ends, error or not (the guarantees of one transaction per
   *   step). SQLite groups every unit (one fsync per run). PostgreSQL, where a transaction holds
   *   its locks until it ends, groups only consecutive `newObjectsOnly` batches (a fresh
   *   install's tables), a bounded number at a time; any other unit commits on its own.
   * - `all-or-nothing` (deploy --single-transaction): a failing unit rolls back the whole group
   *   at once; later transactions (e.g. recording the failed attempt) run on their own.
   * A statement run outside any unit (`execute` on the database) must not be in a transaction:
   * it first commits the group's transaction (commitGroup), and the next unit opens a new one.
   */
  withTransactionGroup<T>(mode: GroupMode, work: () => Promise<T>): Promise<T>;
  /**
   * Commits what the group's units did so far, where a migration says it must be committed (its
   * own COMMIT between steps); the next unit opens a new transaction. No group: nothing to do.
   */
  commitGroup(): Promise<void>;
  /** `value` as a SQL literal of this database: a string safely quoted, a Date as a timestamp, null as NULL. */
  literal(value: string | number | Date | null): string;
  /** Names of the tables in the schema the orchestrator migrates. */
  listTables(): Promise<string[]>;
  /** Names of the enum types in that schema (SQLite has none: Prisma stores enums as TEXT). */
  listEnums(): Promise<string[]>;
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
  /** Every foreign key that points at a table of the migrated schema, from the live catalog. */
  listForeignKeys(): Promise<LiveForeignKey[]>;
  /**
   * The statements that drop these tables (whatever foreign keys link them to each other) and
   * then these enum types, in this database's SQL. Run them in one transaction.
   */
  dropObjectsSql(objects: { tables: string[]; enums: string[] }): string[];
  /** The statements that rename a table along with the names the database derived from it (PostgreSQL's primary key index). */
  renameTableSql(from: string, to: string): string[];
  close(): Promise<void>;
}

/** A foreign key as the live catalog holds it. */
export interface LiveForeignKey {
  /** The table holding it (qualified with its schema when that is not the migrated one). */
  table: string;
  /** Its name; SQLite keeps none, so there the columns, e.g. `(bookId)`. */
  name: string;
  /** The table it points at, in the migrated schema. */
  references: string;
}

/** `name` as a double-quoted SQL identifier, as PostgreSQL and SQLite both read it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** How many rows a table of the migrated schema holds (for the data-loss summaries of uninstall and generate). */
export async function countRows(runner: SqlRunner, table: string): Promise<number> {
  const [row] = await runner.query<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM ${quoteIdentifier(table)}`);
  return Number(row?.n ?? 0);
}

/**
 * A statement of `runBatch` failed. `index` is its position in the batch; undefined when every
 * statement ran and the commit failed (a deferred constraint, a foreign key check).
 */
export class BatchError extends Error {
  constructor(
    readonly index: number | undefined,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'BatchError';
  }
}

export interface BatchOptions {
  /** Statements `from` (inclusive) to `to` (exclusive) run as `role`; the others as the connected user. */
  runAs?: RunAs;
  /**
   * The statements only define objects the running deploy created (deploy/new-objects.ts): no
   * lock they take can hold up anyone else, so inside a keep-earlier group they may share the
   * group's transaction on a database that otherwise commits each unit (PostgreSQL).
   */
  newObjectsOnly?: boolean;
}

export interface RunAs {
  role: string;
  from: number;
  to: number;
}

/** How withTransactionGroup treats a failing unit (see there). */
export type GroupMode = 'keep-earlier' | 'all-or-nothing';

/** A number as a SQL literal (the same in both databases); only finite numbers are values. */
export function literalNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a SQL number`);
  return String(value);
}
