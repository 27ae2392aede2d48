import path from 'node:path';
import type { Database } from '../database/database.ts';
import type { HistoryStore } from '../database/history-store.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';
import type { MigrationPlan } from '../sql/migration-plan.ts';

/** How much of a failing statement an error message quotes. */
const STATEMENT_PREVIEW = 400;

/**
 * Applies one migration and records it, atomically: its statements and its history row commit
 * together, or the transaction rolls back and the database is as it was. Returns false when
 * another process applied it first (seen inside the transaction, under the write lock).
 */
export async function applyMigration(db: Database, history: HistoryStore, plugin: string, migration: MigrationOnDisk, plan: MigrationPlan): Promise<boolean> {
  // Until deploy runs the plan's steps one by one, every step's statements share one transaction.
  const statements = plan.steps.flatMap((step) => step.statements.map((statement) => statement.sql));
  const where = `Plugin "${plugin}", migration ${migration.name} (${path.relative(process.cwd(), migration.sqlPath)})`;

  const startedAt = new Date();
  let failing: { index: number; sql: string } | undefined;
  try {
    return await db.transaction(async (tx) => {
      await history.ensureTable(tx);
      if (await history.isApplied(tx, migration.name)) return false;
      for (const [index, sql] of statements.entries()) {
        failing = { index, sql };
        await tx.execute(sql);
      }
      failing = undefined;
      await history.recordSuccess(tx, { name: migration.name, checksum: migration.checksum, startedAt, steps: statements.length });
      return true;
    });
  } catch (error) {
    const at = failing
      ? `statement ${failing.index + 1} of ${statements.length}:\n  ${preview(failing.sql)}\n`
      : 'while committing:\n';
    const logs = `${at}${errorMessage(error)}`;
    await history.recordFailure({ name: migration.name, checksum: migration.checksum, startedAt, steps: failing?.index ?? 0, logs }).catch(() => {});
    throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${errorMessage(error)}\nThe migration was rolled back: none of its changes and no success row were kept. Deploy stopped here.`, {
      fix: `Correct ${migration.sqlPath} (or the data it trips on), then run deploy again; it retries this migration.`,
      cause: error,
    });
  }
}

function preview(sql: string): string {
  const oneBlock = sql.replace(/\n/g, '\n  ');
  return oneBlock.length > STATEMENT_PREVIEW ? `${oneBlock.slice(0, STATEMENT_PREVIEW)}…` : oneBlock;
}
