import type { CommandContext } from '../context/command-context.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import { reportLockWaits } from '../context/progress-event.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import type { RollbackTarget } from './choose-rollback.ts';
import { runRollback, type RollbackResult } from './run-rollback.ts';

export interface RollbackOptions extends RollbackTarget {
  /** The plugin to roll back. */
  plugin: string;
  /** Confirms the data loss without asking (from code, required unless a `confirm` function is given). */
  yes?: boolean;
}

export interface RollbackReport extends RollbackResult {
  /** The database, with any password hidden. */
  database: string;
}

/** Undoes a plugin's newest applied migration(s) with their down.sql, newest first, after context.confirm; refuses, changing nothing, what it cannot undo safely. */
export async function rollbackProject(context: CommandContext, options: RollbackOptions): Promise<RollbackReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [options.plugin]);
  const ownership = readProjectOwnership(project, allPlugins);
  const target = { ...(options.to !== undefined ? { to: options.to } : {}), ...(options.steps !== undefined ? { steps: options.steps } : {}) };
  const lock = reportLockWaits(context.progress, 'rollback');
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'rollback', lock }, async (db) => ({
    database: db.displayUrl,
    ...(await runRollback(db, plugin!, { allPlugins, ownership }, target, (summary) => context.confirm({ summary, yes: options.yes === true }))),
  }));
}
