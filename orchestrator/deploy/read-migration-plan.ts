import { displayPath } from '../files/project-files.ts';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';
import { SqlSyntaxError, type MigrationPlan } from '../sql/migration-plan.ts';
import { planMigration } from '../sql/plan-migration.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';

/**
 * Reads a pending migration into its plan, once per deploy; every check and apply reads the
 * plan. SQL the database's dialect cannot read stops the deploy before anything runs.
 */
export async function readMigrationPlan(plugin: string, migration: MigrationOnDisk, provider: Provider): Promise<MigrationPlan> {
  try {
    return await planMigration(migration.sql, provider);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    const file = `${displayPath(migration.sqlPath)}:${error.line}`;
    throw new OrchestratorError('MIGRATION_INVALID', `Plugin "${plugin}", migration ${migration.name} cannot be read as ${sqlDialectFor(provider).displayName} SQL: ${error.message} (${file}). Nothing was applied.`, {
      fix: `Correct ${file}, then run deploy again.`,
      cause: error,
    });
  }
}
