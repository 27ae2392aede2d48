import { randomUUID } from 'node:crypto';
import type { Provider } from '../config/provider.ts';
import type { Database, SqlRunner } from './database.ts';

/** Column type for the history's timestamps: with time zone where the database has one. */
const TIMESTAMP_TYPE: Record<Provider, string> = { postgresql: 'TIMESTAMPTZ', sqlite: 'DATETIME' };

/** The DDL of a plugin's history table (also what the benchmark's floor adds for a fair comparison). */
export function historyTableSql(table: string, provider: Provider): string {
  const ts = TIMESTAMP_TYPE[provider];
  return `CREATE TABLE IF NOT EXISTS "${table}" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" ${ts},
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" ${ts},
    "started_at" ${ts} NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;
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
}

/**
 * A plugin's migration history, in its own table (`_prisma_migrations_<plugin>`), so every
 * plugin versions independently and the shared `_prisma_migrations` is never touched.
 *
 * A success row has `finished_at` set. A failed attempt is recorded after its transaction rolled
 * back, with `finished_at` null, `rolled_back_at` set and the error in `logs`: an audit trail
 * that `status` reports, never a half-applied state.
 */
export class HistoryStore {
  constructor(
    private readonly db: Database,
    readonly table: string,
  ) {}

  private get quoted(): string {
    return `"${this.table}"`;
  }

  /** Creates the table if missing; run inside the migration's transaction so a failure leaves none. */
  async ensureTable(tx: SqlRunner): Promise<void> {
    await tx.execute(historyTableSql(this.table, this.db.provider));
  }

  /** Every row, oldest first. Callers check that the table exists (one table listing serves all plugins). */
  async rows(): Promise<HistoryRow[]> {
    return this.db.query<HistoryRow & Record<string, unknown>>(
      `SELECT "id", "checksum", "migration_name", "started_at", "finished_at", "rolled_back_at", "logs", "applied_steps_count" FROM ${this.quoted} ORDER BY "started_at", "migration_name"`,
    );
  }

  async isApplied(tx: SqlRunner, migrationName: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 AS "applied" FROM ${this.quoted} WHERE "migration_name" = ${this.db.param(1)} AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
      [migrationName],
    );
    return rows.length > 0;
  }

  async recordSuccess(tx: SqlRunner, entry: { name: string; checksum: string; startedAt: Date; steps: number }): Promise<void> {
    await this.insert(tx, { ...entry, finishedAt: new Date(), rolledBackAt: null, logs: null });
  }

  /** Records a failed attempt; called after its transaction rolled back, in a transaction of its own. */
  async recordFailure(entry: { name: string; checksum: string; startedAt: Date; steps: number; logs: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.ensureTable(tx);
      await this.insert(tx, { ...entry, finishedAt: null, rolledBackAt: new Date() });
    });
  }

  private async insert(
    tx: SqlRunner,
    entry: { name: string; checksum: string; startedAt: Date; finishedAt: Date | null; rolledBackAt: Date | null; logs: string | null; steps: number },
  ): Promise<void> {
    const p = (n: number) => this.db.param(n);
    const ts = (date: Date | null) => (date ? this.db.timestamp(date) : null);
    await tx.execute(
      `INSERT INTO ${this.quoted} ("id", "checksum", "migration_name", "started_at", "finished_at", "rolled_back_at", "logs", "applied_steps_count") VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)})`,
      [randomUUID(), entry.checksum, entry.name, ts(entry.startedAt), ts(entry.finishedAt), ts(entry.rolledBackAt), entry.logs, entry.steps],
    );
  }
}
