import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runRollback } from '../rollback/run-rollback.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';
import { confirmDataLoss } from '../ui/confirm.ts';

export interface RollbackOptions {
  to?: string;
  steps?: number;
  yes?: boolean;
  json?: boolean;
}

/** `rollback <plugin> [--to <migration> | --steps N] [--yes]`: undoes applied migrations with their down.sql. Returns what to print. */
export async function rollbackCommand(project: Project, pluginName: string, options: RollbackOptions): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [pluginName]);
  const ownership = collectOwnership(readProjectModels(project, allPlugins).values());
  const target = { ...(options.to !== undefined ? { to: options.to } : {}), ...(options.steps !== undefined ? { steps: options.steps } : {}) };
  const lock = { onWait: (message: string) => console.error(message) };
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'rollback', lock }, async (db) => {
    const result = await runRollback(db, plugin!, { allPlugins, ownership }, target, (summary) => confirmDataLoss({ summary, yes: options.yes === true }));
    if (options.json) return JSON.stringify({ database: db.displayUrl, ...result }, null, 2);
    if (result.rolledBack.length === 0) return `Nothing to roll back: plugin "${result.plugin}" has no applied migration after ${options.to}.`;
    return `Rolled back ${result.rolledBack.length} migration(s) of plugin "${result.plugin}" on ${db.displayUrl}:\n${result.rolledBack.map((name) => `  ${name}`).join('\n')}\nDeploy applies ${result.rolledBack.length === 1 ? "it" : "them"} again.`;
  });
}
