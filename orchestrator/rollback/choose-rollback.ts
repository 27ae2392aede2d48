import { displayPath } from '../files/project-files.ts';
import { OrchestratorError } from '../errors.ts';
import type { PluginState } from '../status/read-plugin-states.ts';

/** Which migrations to undo: the newest applied (default), the newest N, or every one after a named migration. */
export interface RollbackTarget {
  /** Undo every applied migration newer than this one; it stays applied. */
  to?: string;
  /** Undo this many applied migrations, newest first. */
  steps?: number;
}

/**
 * The applied migrations a rollback undoes, newest first. Refuses, naming the plugin, a target
 * that is not applied, more steps than are applied, and a plugin whose history is not settled
 * (a half-applied or edited migration): its down scripts would start from a state nobody knows.
 */
export function chooseRollback(state: PluginState, target: RollbackTarget): string[] {
  const { plugin, status } = state;
  const unsettled = [...status.inProgress.map((entry) => entry.name), ...status.modified];
  if (unsettled.length > 0) {
    throw new OrchestratorError(status.inProgress.length > 0 ? 'MIGRATION_INTERRUPTED' : 'MIGRATION_MODIFIED', `Refusing to roll back plugin "${plugin.name}": its history is not settled (${unsettled.join(', ')}: half applied, or edited after it was applied), so what its down scripts would start from is unknown. Nothing was changed.`, {
      fix: `Run "orchestrator status ${plugin.name}" and settle it first: resolve a half-applied migration with "orchestrator resolve ${plugin.name} <migration> --applied | --rolled-back"; restore an edited migration.sql from version control.`,
    });
  }
  const applied = status.applied;
  if (target.to !== undefined) {
    const index = applied.indexOf(target.to);
    if (index === -1) {
      const onDisk = state.migrations.some((migration) => migration.name === target.to);
      throw new OrchestratorError(onDisk ? 'MIGRATION_NOT_APPLIED' : 'MIGRATION_NOT_FOUND', `Plugin "${plugin.name}": --to ${target.to} ${onDisk ? 'is not applied' : `is not a migration in ${displayPath(plugin.migrationsDir)}`}, so there is no point to roll back to. Nothing was changed.`, {
        fix: `Name one of its applied migrations: ${applied.join(', ') || '(none is applied)'}.`,
      });
    }
    return applied.slice(index + 1).reverse();
  }
  const steps = target.steps ?? 1;
  if (applied.length < steps) {
    throw new OrchestratorError('MIGRATION_NOT_APPLIED', `Plugin "${plugin.name}" has ${applied.length} applied migration(s), so ${steps} cannot be rolled back. Nothing was changed.`, {
      fix: applied.length === 0 ? `Nothing to roll back: run "orchestrator status ${plugin.name}".` : `Pass --steps ${applied.length} or fewer.`,
    });
  }
  return applied.slice(applied.length - steps).reverse();
}
