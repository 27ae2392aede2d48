import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { OrchestratorError } from '../errors.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { resolveMigration, type Resolution } from '../resolve/resolve-migration.ts';

export interface ResolveOptions {
  applied?: boolean;
  rolledBack?: boolean;
  json?: boolean;
}

/** `resolve <plugin> <migration> --applied | --rolled-back`: settles a failed migration's history, as `prisma migrate resolve`. */
export async function resolveCommand(project: Project, pluginName: string, migration: string, options: ResolveOptions): Promise<string> {
  if (options.applied === options.rolledBack) {
    throw new OrchestratorError('CONFIG_INVALID', `resolve needs exactly one of --applied (you finished migration ${migration} by hand) or --rolled-back (you undid what it left; deploy runs it again).`, {
      fix: `Run "orchestrator resolve ${pluginName} ${migration} --applied" or "... --rolled-back".`,
    });
  }
  const resolution: Resolution = options.applied ? 'applied' : 'rolled-back';
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [pluginName]);
  const lock = { onWait: (message: string) => console.error(message) };
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'resolve', lock }, async (db) => {
    const result = await resolveMigration(db, plugin!, allPlugins.map((p) => p.name), migration, resolution);
    if (options.json) return JSON.stringify({ database: db.displayUrl, ...result }, null, 2);
    if (!result.changed) return `Nothing to record: the failed attempt at ${result.plugin}/${result.migration} was already rolled back (none of it was kept). Deploy retries it.`;
    return result.resolution === 'applied'
      ? `Recorded ${result.plugin}/${result.migration} as applied (not run); the failed attempt stays in the history, marked rolled back. Deploy skips it.`
      : `Marked the failed attempt at ${result.plugin}/${result.migration} rolled back (kept in the history). Deploy runs it again from its first step.`;
  });
}
