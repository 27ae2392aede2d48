import path from 'node:path';
import type { Database } from '../database/database.ts';
import type { HistoryStore } from '../database/history-store.ts';
import { classifyDatabaseError, describeDatabaseError } from '../database/classify-database-error.ts';
import { isTransactionControl, splitSqlStatements } from '../database/split-sql-statements.ts';
import { OrchestratorError } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';

/** How much of a failing statement an error message quotes. */
const STATEMENT_PREVIEW = 400;

/**
 * Applies one migration and records it, atomically: its statements and its history row commit
 * together, or the transaction rolls back and the database is as it was. Returns false when
 * another process applied it first (seen inside the transaction, under the write lock).
 */
export async function applyMigration(db: Database, history: HistoryStore, plugin: string, migration: MigrationOnDisk): Promise<boolean> {
  const statements = splitSqlStatements(migration.sql, db.provider);
  const where = `Plugin "${plugin}", migration ${migration.name} (${path.relative(process.cwd(), migration.sqlPath)})`;
  const control = statements.find(isTransactionControl);
  if (control) {
    throw new OrchestratorError('MIGRATION_FAILED', `${where} contains the transaction statement "${control.split('\n')[0]}". Nothing was applied.`, {
      fix: 'Remove it: deploy runs every migration in a transaction of its own.',
    });
  }

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
    // A lost connection, a lock wait or a refused login is not the migration's fault: say so, and record no attempt.
    const classified = classifyDatabaseError(error, { displayUrl: db.displayUrl, migration: { plugin, name: migration.name } });
    if (classified) throw classified;
    const at = failing
      ? `statement ${failing.index + 1} of ${statements.length}:\n  ${preview(failing.sql)}\n`
      : 'while committing:\n';
    const logs = `${at}${describeDatabaseError(error)}`;
    await history.recordFailure({ name: migration.name, checksum: migration.checksum, startedAt, steps: failing?.index ?? 0, logs }).catch(() => {});
    throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${describeDatabaseError(error)}\nThe migration was rolled back: none of its changes and no success row were kept. Deploy stopped here.`, {
      fix: `Correct ${migration.sqlPath} (or the data it trips on), then run deploy again; it retries this migration.`,
      cause: error,
    });
  }
}

function preview(sql: string): string {
  const oneBlock = sql.replace(/\n/g, '\n  ');
  return oneBlock.length > STATEMENT_PREVIEW ? `${oneBlock.slice(0, STATEMENT_PREVIEW)}…` : oneBlock;
}
