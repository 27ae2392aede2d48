import { existsSync, mkdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { OrchestratorError } from '../errors.ts';
import { describeDatabaseError, driverErrorCode, sqliteBusyTimeoutMs } from './classify-database-error.ts';
import type { Database, SqlRunner } from './database.ts';

/** How long a deploy waits for another process's write transaction before giving up (SQLITE_BUSY, then LOCK_TIMEOUT). */

/** Kernel filesystems: files there are not storage, and reading some of them blocks forever. */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * SQLite through better-sqlite3.
 *
 * Concurrency: SQLite has no advisory locks, and needs none here. Every migration runs in a
 * `BEGIN IMMEDIATE` transaction, which takes the database's write lock up front; a second
 * process waits (busy timeout) and, once inside, re-reads the history and finds the work done.
 *
 * Foreign keys: Prisma's SQLite scripts rebuild tables (create new, copy, DROP old, rename) and
 * switch `PRAGMA foreign_keys` off around that. Inside a transaction that pragma is a no-op, so
 * with foreign keys on, the DROP would cascade-delete child rows. The connection therefore turns
 * foreign keys off *before* BEGIN, checks `PRAGMA foreign_key_check` before COMMIT, and restores
 * the previous setting afterwards.
 */
export class SqliteDatabase implements Database {
  readonly provider = 'sqlite' as const;
  readonly displayUrl: string;
  private readonly db: BetterSqlite3.Database;
  /** The file this connection created: removed again on close if nothing was written to it. */
  private createdFile: string | undefined;

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
    const statement = this.db.prepare(sql);
    // PRAGMAs and some statements return rows; better-sqlite3 wants all() for those.
    if (statement.reader) statement.all(...params);
    else statement.run(...params);
  }

  async withDeployLock<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const foreignKeys = this.db.pragma('foreign_keys', { simple: true }) as number;
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this);
        const violations = this.db.pragma('foreign_key_check') as { table: string; parent: string }[];
        if (violations.length > 0) {
          const first = violations[0]!;
          throw new Error(`foreign key check failed: ${violations.length} row(s) in "${first.table}" reference missing rows in "${first.parent}"`);
        }
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }

  async listTables(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    return rows.map((row) => row.name);
  }

  async listIndexTables(): Promise<Map<string, string>> {
    const rows = await this.query<{ name: string; table: string }>("SELECT name, tbl_name AS \"table\" FROM sqlite_master WHERE type IN ('index', 'trigger')");
    return new Map(rows.map((row) => [row.name, row.table]));
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
