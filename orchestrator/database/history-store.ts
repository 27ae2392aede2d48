import { randomUUID } from 'node:crypto';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import { quoteIdentifier, type Database, type SqlRunner } from './database.ts';

/** Every history table's name starts with this; the rest is the plugin's name. */
export const HISTORY_TABLE_PREFIX = '_prisma_migrations_';

/** Column type for the history's timestamps: with time zone where the database has one. */
const TIMESTAMP_TYPE: Record<Provider, string> = { postgresql: 'TIMESTAMPTZ', sqlite: 'DATETIME' };

/** The columns of Prisma's `_prisma_migrations`, which every plugin's history table copies. */
function historyColumns(provider: Provider): [name: string, definition: string][] {
  const ts = TIMESTAMP_TYPE[provider];
  return [
    ['id', 'VARCHAR(36) PRIMARY KEY NOT NULL'],
    ['checksum', 'VARCHAR(64) NOT NULL'],
    ['finished_at', ts],
    ['migration_name', 'VARCHAR(255) NOT NULL'],
    ['logs', 'TEXT'],
    ['rolled_back_at', ts],
    ['started_at', `${ts} NOT NULL DEFAULT CURRENT_TIMESTAMP`],
    ['applied_steps_count', 'INTEGER NOT NULL DEFAULT 0'],
  ];
}

/**
 * The orchestrator's own column beside Prisma's: the plugin's `version` (plugin.json) when the
 * row was written. Optional: history tables made before it existed are read with it as null,
 * and gain it before deploy next writes to them (addVersionColumnSql).
 */
export const VERSION_COLUMN = 'plugin_version';
const VERSION_DEFINITION = 'VARCHAR(255)';

/** The DDL of a plugin's history table (also what the benchmark's floor adds for a fair comparison). */
export function historyTableSql(table: string, provider: Provider): string {
  const columns = [...historyColumns(provider), [VERSION_COLUMN, VERSION_DEFINITION]].map(([name, definition]) => `    "${name}" ${definition}`);
  return `CREATE TABLE IF NOT EXISTS "${table}" (\n${columns.join(',\n')}\n)`;
}

/** One row of a plugin's history table; the columns are those of Prisma's `_prisma_migrations`. */
export interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  started_at: unknown;
  finished_at: unknown;
  rolled_back_at: unknown;
  logs: string | null;
  applied_steps_count: number;
  /** The plugin's version that wrote the row; null for rows written before versions were recorded. */
  plugin_version: string | null;
}

const ROW_COLUMNS = '"id", "checksum", "migration_name", "started_at", "finished_at", "rolled_back_at", "logs", "applied_steps_count"';

/**
 * Tables per UNION ALL. PostgreSQL's planning time grows faster than linearly with the branches
 * (measured on 300 history tables: one query of 300 ~240-450 ms, six of 50 ~55 ms, 300 single
 * queries ~400 ms); SQLite caps a compound SELECT at 500.
 */
const TABLES_PER_QUERY = 50;

/**
 * Lists the history tables in the migrated schema from the catalog (not privilege-filtered
 * views, so a table the role may not read is still seen), one row each, with its columns as a
 * JSON list and the role's privileges on it (one row per table: a no-op deploy of 1000 plugins
 * reads 1000 rows, not 9000).
 */
const HISTORY_CATALOG: Record<Provider, { sql: string; params: unknown[] }> = {
  postgresql: {
    sql: `SELECT c.relname AS "table",
        (SELECT json_agg(a.attname)::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS "columns",
        has_table_privilege(c.oid, 'SELECT') AS "canSelect",
        has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE') AS "canWrite"
      FROM pg_class c
      WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
        AND c.relkind IN ('r', 'p') AND starts_with(c.relname, $1)`,
    params: [HISTORY_TABLE_PREFIX],
  },
  sqlite: {
    // File permissions are checked when the file is opened; SQLite has no table privileges.
    sql: `SELECT m.name AS "table", (SELECT json_group_array(p.name) FROM pragma_table_info(m.name) p) AS "columns", 1 AS "canSelect", 1 AS "canWrite"
      FROM sqlite_master m
      WHERE m.type = 'table' AND substr(m.name, 1, length(?)) = ?`,
    params: [HISTORY_TABLE_PREFIX, HISTORY_TABLE_PREFIX],
  },
};

/** A row of HISTORY_CATALOG. */
interface CatalogRow extends Record<string, unknown> {
  table: string;
  /** A JSON list of names; null (PostgreSQL) for a table without columns. */
  columns: string | null;
  canSelect: unknown;
  canWrite: unknown;
}

function columnsOf(row: CatalogRow): Set<string> {
  return new Set(row.columns === null ? [] : (JSON.parse(row.columns) as string[]));
}

/**
 * Every history table's rows, read in one query per few hundred tables (a UNION ALL), so a
 * no-op deploy of many plugins is not one round trip each. Returns the rows of the tables in
 * `wanted` (missing tables: no entry), and the names of every history table that exists.
 *
 * Refuses, before anything is written: a history table missing one of Prisma's columns
 * (HISTORY_TABLE_INVALID), and one the role cannot read, or write when `write` is set
 * (DATABASE_PERMISSION_DENIED): never "0 applied" for a table it could not read.
 */
export async function readHistoryTables(db: Database, wanted: string[], options: { write: boolean }): Promise<{ rows: Map<string, HistoryRow[]>; existing: string[]; withoutVersion: Set<string> }> {
  const catalog = HISTORY_CATALOG[db.provider];
  const found = new Map<string, { columns: Set<string>; canSelect: boolean; canWrite: boolean }>();
  for (const entry of await db.query<CatalogRow>(catalog.sql, catalog.params)) {
    found.set(entry.table, { columns: columnsOf(entry), canSelect: Boolean(entry.canSelect), canWrite: Boolean(entry.canWrite) });
  }
  const present = wanted.filter((table) => found.has(table));
  for (const table of present) {
    const { columns, canSelect, canWrite } = found.get(table)!;
    const missing = historyColumns(db.provider).filter(([name]) => !columns.has(name));
    if (missing.length > 0) {
      throw new OrchestratorError('HISTORY_TABLE_INVALID', `The history table "${table}" lacks the column(s) ${missing.map(([name]) => `"${name}"`).join(', ')}: it was made by another tool or an older version, so deploy and status cannot read it. Nothing was changed.`, {
        fix: `Add the missing column(s), e.g. ${missing.map(([name, definition]) => `ALTER TABLE "${table}" ADD COLUMN "${name}" ${definition.replace(' PRIMARY KEY', '')};`).join(' ')} Or, if the table is not a plugin's history, rename it: names starting with ${HISTORY_TABLE_PREFIX} are reserved for history tables.`,
      });
    }
    const lacking = !canSelect ? 'SELECT' : options.write && !canWrite ? 'INSERT and UPDATE' : undefined;
    if (lacking) {
      throw new OrchestratorError('DATABASE_PERMISSION_DENIED', `The database role of ${db.displayUrl} lacks the ${lacking} privilege on the history table "${table}", so ${options.write ? 'deploy cannot read and record' : 'status cannot read'} what was applied. Nothing was changed.`, {
        fix: `Connect as the role that owns the plugins' tables, or grant it: GRANT SELECT${options.write ? ', INSERT, UPDATE' : ''} ON "${table}" TO <role>;`,
      });
    }
  }
  const rows = new Map<string, HistoryRow[]>(present.map((table) => [table, []]));
  for (let start = 0; start < present.length; start += TABLES_PER_QUERY) {
    const chunk = present.slice(start, start + TABLES_PER_QUERY);
    const version = (table: string) => (found.get(table)!.columns.has(VERSION_COLUMN) ? `"${VERSION_COLUMN}"` : `NULL AS "${VERSION_COLUMN}"`);
    const union = chunk.map((table) => `SELECT '${table.replace(/'/g, "''")}' AS "history_table", ${ROW_COLUMNS}, ${version(table)} FROM ${quoteIdentifier(table)}`).join(' UNION ALL ');
    // Sorted here, not by the query: an ORDER BY over the union costs PostgreSQL a sort per branch.
    for (const row of await db.query<HistoryRow & { history_table: string } & Record<string, unknown>>(union)) {
      const { history_table: table, ...rest } = row;
      rows.get(table)!.push({ ...rest, applied_steps_count: Number(rest.applied_steps_count), plugin_version: rest.plugin_version ?? null });
    }
  }
  for (const tableRows of rows.values()) tableRows.sort(oldestFirst);
  const withoutVersion = new Set(present.filter((table) => !found.get(table)!.columns.has(VERSION_COLUMN)));
  return { rows, existing: [...found.keys()].sort(), withoutVersion };
}

/** By `started_at` (a Date from PostgreSQL, an ISO string from SQLite), then name. */
function oldestFirst(a: HistoryRow, b: HistoryRow): number {
  const time = (value: unknown) => (value instanceof Date ? value.getTime() : Date.parse(String(value)));
  return time(a.started_at) - time(b.started_at) || (a.migration_name < b.migration_name ? -1 : a.migration_name > b.migration_name ? 1 : 0);
}

/** The live attempt at a migration, as a transaction sees it under the write lock. */
export interface AttemptState {
  id: string;
  stepsDone: number;
  finished: boolean;
  logs: string | null;
}

/** A new attempt's row, as `start` writes it. */
export interface AttemptRow {
  id: string;
  name: string;
  checksum: string;
  startedAt: Date;
  stepsDone: number;
  finished: boolean;
  logs: string | null;
  rolledBack?: boolean;
}

/** What `progress` writes into an attempt's row. */
export interface AttemptProgress {
  stepsDone: number;
  finished: boolean;
  logs: string | null;
}

/**
 * A plugin's migration history, in its own table (`_prisma_migrations_<plugin>`), so every
 * plugin versions independently and the shared `_prisma_migrations` is never touched.
 *
 * Rows, as Prisma keeps them:
 * - applied: `finished_at` set, `applied_steps_count` = the migration's steps;
 * - in progress: `finished_at` and `rolled_back_at` empty, `applied_steps_count` = steps
 *   committed so far, the last error (or the step started outside a transaction) in `logs`;
 * - failed attempt, nothing kept: recorded after its transaction rolled back, with
 *   `rolled_back_at` set and the error in `logs`, an audit trail `status` reports;
 * - rolled back: applied (`finished_at` set), then undone by `rollback` (`rolled_back_at` set);
 *   status reports it pending, and deploy applies it again in a new row.
 */
export class HistoryStore {
  constructor(
    private readonly db: Database,
    readonly table: string,
    /** The plugin's version (plugin.json), recorded with every row this store starts. */
    private readonly pluginVersion: string | null = null,
    /** The table exists but predates the plugin_version column: addVersionColumn adds it before the first write. */
    private lacksVersionColumn = false,
  ) {}

  /**
   * A table made before plugin_version existed gains it, under the write lock and re-checked
   * there (another deploy may have added it meanwhile), before deploy writes its first row.
   */
  async addVersionColumn(): Promise<void> {
    if (!this.lacksVersionColumn) return;
    await this.db.transaction(async (tx) => {
      const { sql, params } = HISTORY_CATALOG[this.db.provider];
      const entry = (await tx.query<CatalogRow>(sql, params)).find((row) => row.table === this.table);
      if (entry && !columnsOf(entry).has(VERSION_COLUMN)) {
        await tx.execute(`ALTER TABLE ${this.quoted} ADD COLUMN "${VERSION_COLUMN}" ${VERSION_DEFINITION}`);
      }
    });
    this.lacksVersionColumn = false;
  }

  private get quoted(): string {
    return `"${this.table}"`;
  }

  private p(n: number): string {
    return this.db.param(n);
  }

  private ts(date: Date | null): unknown {
    return date ? this.db.timestamp(date) : null;
  }

  /** Creates the table if missing; run inside the first step's transaction so a failure leaves none. */
  async ensureTable(tx: SqlRunner): Promise<void> {
    await tx.execute(this.ensureTableSql());
  }

  /** The CREATE TABLE IF NOT EXISTS of `ensureTable`, to send in a batch. */
  ensureTableSql(): string {
    return historyTableSql(this.table, this.db.provider);
  }

  /** The migration's newest attempt that was not rolled back, if any (read under the write lock). */
  async currentAttempt(tx: SqlRunner, migrationName: string): Promise<AttemptState | undefined> {
    const rows = await tx.query<{ id: string; applied_steps_count: number | string; finished_at: unknown; logs: string | null }>(
      `SELECT "id", "applied_steps_count", "finished_at", "logs" FROM ${this.quoted} WHERE "migration_name" = ${this.p(1)} AND "rolled_back_at" IS NULL ORDER BY "started_at" DESC`,
      [migrationName],
    );
    const row = rows.find((candidate) => candidate.finished_at !== null) ?? rows[0];
    return row && { id: row.id, stepsDone: Number(row.applied_steps_count), finished: row.finished_at !== null, logs: row.logs };
  }

  /** Starts the row of a migration's attempt, with the steps already done in the same transaction. */
  async start(tx: SqlRunner, entry: AttemptRow): Promise<void> {
    await tx.execute(this.startSql(entry));
  }

  /**
   * The INSERT of `start`, values inlined as literals, so it can travel in one batch with the
   * step's statements (Database.runBatch).
   */
  startSql(entry: AttemptRow): string {
    const now = new Date();
    const values = [entry.id, entry.checksum, entry.name, entry.startedAt, entry.finished ? now : null, entry.rolledBack ? now : null, entry.logs, entry.stepsDone, this.pluginVersion];
    return `INSERT INTO ${this.quoted} (${ROW_COLUMNS}, "${VERSION_COLUMN}") VALUES (${values.map((value) => this.db.literal(value)).join(', ')})`;
  }

  /** Records steps done (and the finish, after the last one); in the step's transaction when it has one. */
  async progress(runner: SqlRunner, id: string, entry: AttemptProgress): Promise<void> {
    await runner.execute(this.progressSql(id, entry));
  }

  /** The UPDATE of `progress`, values inlined as literals (see startSql). */
  progressSql(id: string, entry: AttemptProgress): string {
    const lit = (value: string | number | Date | null) => this.db.literal(value);
    return `UPDATE ${this.quoted} SET "applied_steps_count" = ${lit(entry.stepsDone)}, "finished_at" = ${lit(entry.finished ? new Date() : null)}, "logs" = ${lit(entry.logs)} WHERE "id" = ${lit(id)}`;
  }

  /**
   * The UPDATE that marks an attempt rolled back (rollback, after its down script; resolve
   * --rolled-back), values inlined (see startSql). The row stays, as Prisma keeps it: the audit
   * trail of what was applied when, and undone when. Deploy then applies the migration afresh.
   */
  rollBackSql(id: string, logs: string): string {
    const lit = (value: string | Date) => this.db.literal(value);
    return `UPDATE ${this.quoted} SET "rolled_back_at" = ${lit(new Date())}, "logs" = ${lit(logs)} WHERE "id" = ${lit(id)}`;
  }

  /** Replaces an in-progress row's logs (the error of a step that failed), outside any step's transaction. */
  async setLogs(id: string, logs: string): Promise<void> {
    await this.db.execute(`UPDATE ${this.quoted} SET "logs" = ${this.p(1)} WHERE "id" = ${this.p(2)}`, [logs, id]);
  }

  /** Records a failed attempt that kept nothing; called after its transaction rolled back, in one of its own. */
  async recordFailure(entry: { name: string; checksum: string; startedAt: Date; logs: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.ensureTable(tx);
      await this.start(tx, { id: randomUUID(), name: entry.name, checksum: entry.checksum, startedAt: entry.startedAt, stepsDone: 0, finished: false, logs: entry.logs, rolledBack: true });
    });
  }

  /** A migration whose effect is already in the database (a squash of applied migrations): recorded as applied, never run. */
  async recordWithoutRunning(tx: SqlRunner, entry: { name: string; checksum: string; logs: string }): Promise<void> {
    await this.start(tx, { id: randomUUID(), name: entry.name, checksum: entry.checksum, startedAt: new Date(), stepsDone: 0, finished: true, logs: entry.logs });
  }

  /** Override for a renamed folder: the applied row takes the new name; nothing runs again. */
  async rename(tx: SqlRunner, from: string, to: string): Promise<void> {
    await tx.execute(`UPDATE ${this.quoted} SET "migration_name" = ${this.p(1)} WHERE "migration_name" = ${this.p(2)} AND "rolled_back_at" IS NULL`, [to, from]);
  }

  /** Override for an edited applied migration: its rows take the file's new checksum; nothing runs again. */
  async acceptChecksum(tx: SqlRunner, name: string, checksum: string): Promise<void> {
    await tx.execute(`UPDATE ${this.quoted} SET "checksum" = ${this.p(1)} WHERE "migration_name" = ${this.p(2)} AND "rolled_back_at" IS NULL`, [checksum, name]);
  }

  /**
   * Override for an applied migration deleted from disk: its row is kept as an audit trail but
   * marked rolled back, so it no longer counts as applied (as `prisma migrate resolve --rolled-back`).
   */
  async forget(tx: SqlRunner, name: string, note: string): Promise<void> {
    await tx.execute(
      `UPDATE ${this.quoted} SET "rolled_back_at" = ${this.p(1)}, "logs" = ${this.p(2)} WHERE "migration_name" = ${this.p(3)} AND "rolled_back_at" IS NULL`,
      [this.ts(new Date()), note, name],
    );
  }
}
