import { randomUUID } from 'node:crypto';
import type { Database } from '../database/database.ts';
import { stepsOf } from '../deploy/apply-migration.ts';
import { readMigrationPlan } from '../deploy/read-migration-plan.ts';
import { OrchestratorError } from '../errors.ts';
import { displayPath } from '../files/project-files.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readPluginStates } from '../status/read-plugin-states.ts';

/** `applied`: you finished the migration by hand; `rolled-back`: you undid what it left, and deploy runs it again from the start. */
export type Resolution = 'applied' | 'rolled-back';

export interface ResolveResult {
  plugin: string;
  migration: string;
  resolution: Resolution;
  /** False when there was nothing to record: `--rolled-back` on a failed attempt that was already rolled back. */
  changed: boolean;
}

/**
 * `prisma migrate resolve` for one plugin's failed migration, keeping the audit trail: the
 * failed or half-applied attempt's row stays, marked rolled back with a note in its logs, and
 * `applied` adds the row of a success (nothing is run). Works on a migration whose last attempt
 * failed (nothing kept) or is half applied (steps committed, then a failure or a crash: what
 * MIGRATION_FAILED and MIGRATION_INTERRUPTED report). Refuses any other (applied, never tried).
 */
export async function resolveMigration(db: Database, plugin: Plugin, knownPlugins: string[], migrationName: string, resolution: Resolution): Promise<ResolveResult> {
  return db.withDeployLock(async () => {
    const { states } = await readPluginStates(db, [plugin], { knownPlugins, write: true });
    const state = states[0]!;
    const where = `Plugin "${plugin.name}", migration ${migrationName}`;
    const migration = state.migrations.find((m) => m.name === migrationName);
    if (!migration) {
      throw new OrchestratorError('MIGRATION_NOT_FOUND', `${where} is not a migration in ${displayPath(plugin.migrationsDir)}. Nothing was changed.`, {
        fix: `Name a folder of ${displayPath(plugin.migrationsDir)}; "orchestrator status ${plugin.name}" lists the failed ones.`,
      });
    }
    const attempts = state.rows.filter((row) => row.migration_name === migrationName);
    const live = attempts.find((row) => row.finished_at === null && row.rolled_back_at === null);
    const failed = !live && attempts.length > 0 && attempts.at(-1)!.finished_at === null;
    if (!live && !failed) {
      const applied = attempts.some((row) => row.finished_at !== null && row.rolled_back_at === null);
      throw new OrchestratorError('MIGRATION_NOT_FAILED', `${where} has not failed: it is ${applied ? 'applied' : 'not applied yet and its last attempt did not fail'}, and resolve only settles a failed or half-applied migration. Nothing was changed.`, {
        fix: applied
          ? `To undo an applied migration, run "orchestrator rollback ${plugin.name} --to <the migration before it>".`
          : `Run "orchestrator deploy ${plugin.name}": it applies the migration.`,
      });
    }
    const note = `Resolved as ${resolution} by "orchestrator resolve" on ${new Date().toISOString()}${resolution === 'applied' ? ': finished by hand, not run' : ': undone by hand, deploy runs it again'}.`;
    if (!live && resolution === 'rolled-back') return { plugin: plugin.name, migration: migrationName, resolution, changed: false };
    const steps = resolution === 'applied' ? stepsOf(await readMigrationPlan(plugin.name, migration, db.provider)).length : 0;
    await db.transaction(async (tx) => {
      // Re-checked under the write lock: a deploy may have moved the migration on meanwhile.
      const current = await state.history.currentAttempt(tx, migrationName);
      if (current?.id !== live?.id) {
        throw new OrchestratorError('MIGRATION_INTERRUPTED', `${where} changed while resolve ran (another deploy?). Nothing was changed.`, {
          fix: `Run "orchestrator status ${plugin.name}" to see where it stands.`,
        });
      }
      if (live) await tx.execute(state.history.rollBackSql(live.id, [live.logs, note].filter(Boolean).join('\n')));
      if (resolution === 'applied') {
        await state.history.start(tx, { id: randomUUID(), name: migrationName, checksum: migration.checksum, startedAt: new Date(), stepsDone: steps, finished: true, logs: note });
      }
    });
    return { plugin: plugin.name, migration: migrationName, resolution, changed: true };
  });
}
