import { existsSync, mkdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { OrchestratorError } from '../errors.ts';
import { describeDatabaseError, driverErrorCode, sqliteBusyTimeoutMs } from './classify-database-error.ts';
import { UNIT_SAVEPOINT } from './transaction-framing.ts';
import { BatchError, literalNumber, quoteIdentifier, type Database, type BatchOptions, type GroupMode, type LiveForeignKey, type SqlRunner } from './database.ts';

interface Group {
  mode: GroupMode;
  /** all-or-nothing, after a failure: the transaction is rolled back; later units run on their own. */
  ended: boolean;
  /** The foreign keys setting before the group's transaction, restored after it. */
  foreignKeys: number;
}

/** Kernel filesystems: files there are not storage, and reading some of them blocks forever. */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * SQLite through better-sqlite3.
 *
 * Concurrency: SQLite has no advisory locks, and needs none here. A deploy's migrations run in a
 * `BEGIN IMMEDIATE` transaction (one per run, a savepoint per step: one fsync per run rather
 * than per migration), which takes the database's write lock up front; a second process waits
 * (busy timeout) and, once inside, re-reads the history and finds the work done.
 *
 * Foreign keys: Prisma's SQLite scripts rebuild tables (create new, copy, DROP old, rename) and
 * switch `PRAGMA foreign_keys` off around that. Inside a transaction that pragma is a no-op, so
 * with foreign keys on, the DROP would cascade-delete child rows. The connection therefore turns
 * foreign keys off *before* BEGIN, checks `PRAGMA foreign_key_check` before each COMMIT or
 * RELEASE of a savepoint, and restores the previous setting afterwards.
 */
export class SqliteDatabase implements Database {
  readonly provider = 'sqlite' as const;
  readonly displayUrl: string;
  private readonly db: BetterSqlite3.Database;
  /** The file this connection created: removed again on close if nothing was written to it. */
  private createdFile: string | undefined;
  /** The open transaction group, if any (withTransactionGroup). */
  private group: Group | undefined;
  /** How many units (transactions, savepoints) are running their work: 0 means a statement runs on its own. */
  private depth = 0;

  /**
   * Opens the file; with `create` false and no file yet, an empty in-memory database stands in
   * for it (what status reads), so nothing is created.
   */
  static open(filePath: string, displayUrl: string, options: { create: boolean; busyTimeoutMs?: number }): SqliteDatabase {
    refuseNonStorage(filePath, displayUrl);
    const exists = existsSync(filePath);
    if (!exists && options.create) createFolder(path.dirname(filePath), displayUrl);
    const database = new SqliteDatabase(exists || options.create ? filePath : null, displayUrl, options.busyTimeoutMs ?? sqliteBusyTimeoutMs());
    if (!exists && options.create) database.createdFile = filePath;
    return database;
  }

  private constructor(filePath: string | null, displayUrl: string, busyTimeoutMs: number) {
    this.db = new BetterSqlite3(filePath ?? ':memory:', { timeout: busyTimeoutMs });
    this.displayUrl = displayUrl;
  }

  param(): string {
    return '?';
  }

  timestamp(date: Date): string {
    return date.toISOString();
  }

  async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  async execute(sql: string, params: unknown[] = []): Promise<void> {
    // Outside any unit of a group, a statement must not run in the group's transaction (VACUUM cannot).
    if (this.depth === 0) this.commitOpenGroup();
    const statement = this.db.prepare(sql);
    // PRAGMAs and some statements return rows; better-sqlite3 wants all() for those.
    if (statement.reader) statement.all(...params);
    else statement.run(...params);
  }

  /** SQLite has no roles (no pluginRoles): the roles logic refuses before asking for one. */
  async executeAs(sql: string, role: string | undefined): Promise<void> {
    if (role !== undefined) throw new Error('SQLite has no roles: executeAs needs a database with pluginRoles');
    await this.execute(sql);
  }

  literal(value: string | number | Date | null): string {
    if (value === null) return 'NULL';
    if (typeof value === 'number') return literalNumber(value);
    // SQLite string literals have one escape: a doubled quote.
    return `'${(value instanceof Date ? value.toISOString() : value).replaceAll("'", "''")}'`;
  }

  async withDeployLock<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async withTransactionGroup<T>(mode: GroupMode, work: () => Promise<T>): Promise<T> {
    if (this.group) throw new Error('withTransactionGroup does not nest');
    this.group = { mode, ended: false, foreignKeys: 0 };
    try {
      const result = await work();
      this.commitOpenGroup();
      return result;
    } catch (error) {
      // keep-earlier: what the units before the failure did stays, as if each had committed.
      if (mode === 'keep-earlier') this.commitOpenGroup();
      else this.rollbackGroup();
      throw error;
    } finally {
      this.group = undefined;
    }
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (this.group && !this.group.ended) return this.savepoint(this.group, work);
    const foreignKeys = this.db.pragma('foreign_keys', { simple: true }) as number;
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.depth++;
      try {
        const result = await work(this);
        this.checkForeignKeys();
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      } finally {
        this.depth--;
      }
    } finally {
      this.db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }

  async runBatch(statements: string[], guard?: (tx: SqlRunner) => Promise<boolean>, options: BatchOptions = {}): Promise<boolean> {
    if (options.runAs) throw new Error('SQLite has no roles: runAs needs a database with pluginRoles');
    let ran = false;
    try {
      return await this.transaction(async (tx) => {
        if (guard && !(await guard(tx))) return false;
        for (const [index, sql] of statements.entries()) {
          try {
            await tx.execute(sql);
          } catch (error) {
            throw new BatchError(index, error);
          }
        }
        ran = true;
        return true;
      });
    } catch (error) {
      // Every statement ran: the foreign key check or the commit failed.
      throw ran && !(error instanceof BatchError) ? new BatchError(undefined, error) : error;
    }
  }

  /** One unit of a group: a savepoint of the group's transaction, which the first unit opens. */
  private async savepoint<T>(group: Group, work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (!this.db.inTransaction) {
      // Off before BEGIN: inside a transaction the pragma is a no-op (see the class comment).
      group.foreignKeys = this.db.pragma('foreign_keys', { simple: true }) as number;
      this.db.pragma('foreign_keys = OFF');
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        this.db.pragma(`foreign_keys = ${group.foreignKeys ? 'ON' : 'OFF'}`);
        throw error;
      }
    }
    this.db.exec(`SAVEPOINT ${UNIT_SAVEPOINT}`);
    this.depth++;
    try {
      const result = await work(this);
      this.checkForeignKeys();
      this.db.exec(`RELEASE ${UNIT_SAVEPOINT}`);
      return result;
    } catch (error) {
      if (group.mode === 'all-or-nothing') {
        this.rollbackGroup();
        group.ended = true;
      } else if (this.db.inTransaction) {
        this.db.exec(`ROLLBACK TO ${UNIT_SAVEPOINT}`);
        this.db.exec(`RELEASE ${UNIT_SAVEPOINT}`);
      }
      throw error;
    } finally {
      this.depth--;
    }
  }

  async commitGroup(): Promise<void> {
    this.commitOpenGroup();
  }

  /** Commits the group's transaction, if one is open, and restores the foreign keys setting. */
  private commitOpenGroup(): void {
    if (!this.group || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      this.rollbackGroup();
      throw error;
    }
    this.db.pragma(`foreign_keys = ${this.group.foreignKeys ? 'ON' : 'OFF'}`);
  }

  private rollbackGroup(): void {
    if (!this.group || !this.db.inTransaction) return;
    this.db.exec('ROLLBACK');
    this.db.pragma(`foreign_keys = ${this.group.foreignKeys ? 'ON' : 'OFF'}`);
  }

  /** Foreign keys are off during a transaction (see the class comment): check what it changed before it commits. */
  private checkForeignKeys(): void {
    const violations = this.db.pragma('foreign_key_check') as { table: string; parent: string }[];
    if (violations.length > 0) {
      const first = violations[0]!;
      throw new Error(`foreign key check failed: ${violations.length} row(s) in "${first.table}" reference missing rows in "${first.parent}"`);
    }
  }

  async listTables(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    return rows.map((row) => row.name);
  }

  async listEnums(): Promise<string[]> {
    return [];
  }

  async listIndexTables(): Promise<Map<string, string>> {
    const rows = await this.query<{ name: string; table: string }>("SELECT name, tbl_name AS \"table\" FROM sqlite_master WHERE type IN ('index', 'trigger')");
    return new Map(rows.map((row) => [row.name, row.table]));
  }

  async listForeignKeys(): Promise<LiveForeignKey[]> {
    const rows = await this.query<{ table: string; id: number; from: string; references: string }>(
      `SELECT m.name AS "table", f.id, f."from", f."table" AS "references" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq`,
    );
    // One row per column: a foreign key is a (table, id) group, named by its columns since SQLite keeps no name.
    const keys = new Map<string, LiveForeignKey>();
    for (const row of rows) {
      const key = `${row.table}\0${row.id}`;
      const found = keys.get(key);
      if (found) found.name = `${found.name.slice(0, -1)}, ${row.from})`;
      else keys.set(key, { table: row.table, name: `(${row.from})`, references: row.references });
    }
    return [...keys.values()];
  }

  /** One DROP per table: foreign keys are off in the orchestrator's transactions, so the order does not matter. */
  dropObjectsSql(objects: { tables: string[]; enums: string[] }): string[] {
    return objects.tables.map((table) => `DROP TABLE ${quoteIdentifier(table)}`);
  }

  /** SQLite renames a table's automatic indexes with it. */
  renameTableSql(from: string, to: string): string[] {
    return [`ALTER TABLE ${quoteIdentifier(from)} RENAME TO ${quoteIdentifier(to)}`];
  }

  async close(): Promise<void> {
    this.db.close();
    // A deploy refused before any SQL must leave no trace, not even an empty database file.
    if (this.createdFile && existsSync(this.createdFile) && statSync(this.createdFile).size === 0) rmSync(this.createdFile, { force: true });
  }
}

/**
 * The database's folder. One that cannot be made (a file in its place, a parent missing) may be
 * a volume not mounted yet, so that is worth retrying; a permission error is not.
 */
function createFolder(dir: string, displayUrl: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    if (driverErrorCode(error) === 'EACCES' || driverErrorCode(error) === 'EPERM' || driverErrorCode(error) === 'EROFS') throw error;
    throw new OrchestratorError('DATABASE_UNREACHABLE', `Cannot create the folder ${dir} of the SQLite database ${displayUrl}: ${describeDatabaseError(error)}`, {
      fix: 'If the folder is on a volume, check that it is mounted (exit code 3: the container entrypoint retries); otherwise make the path a folder.',
      cause: error,
    });
  }
}

/**
 * Fails fast where SQLite would hang or misread: a path on a kernel filesystem (/proc, /sys,
 * /dev), or something that exists but is not a regular file (a FIFO blocks on open).
 */
function refuseNonStorage(filePath: string, displayUrl: string): void {
  let existing = filePath;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const real = realpathSync(existing);
  const virtualRoot = VIRTUAL_ROOTS.find((root) => real === root || real.startsWith(`${root}/`));
  const notAFile = existing === filePath && !statSync(filePath).isFile();
  if (!virtualRoot && !notAFile) return;
  throw new OrchestratorError('DATABASE_FILE_INVALID', `${displayUrl} is not a usable SQLite database: ${virtualRoot ? `${real} is on the kernel filesystem ${virtualRoot}` : `${filePath} exists and is not a regular file`}.`, {
    fix: 'Point DATABASE_URL at a SQLite database file (or at a path where one can be created), on a regular filesystem.',
  });
}
