import type { CommandContext } from '../context/command-context.ts';
import { reportLockWaits } from '../context/progress-event.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { resolveMigration, type Resolution, type ResolveResult } from './resolve-migration.ts';

export interface ResolveOptions {
  plugin: string;
  /** The failed migration (its folder name). */
  migration: string;
  /** `applied`: you finished it by hand (deploy skips it); `rolled-back`: you undid what it left (deploy runs it again). */
  resolution: Resolution;
}

export interface ResolveReport extends ResolveResult {
  /** The database, with any password hidden. */
  database: string;
}

/** Settles a failed or half-applied migration's history, keeping the failed attempt (as `prisma migrate resolve`). */
export async function resolveProject(context: CommandContext, options: ResolveOptions): Promise<ResolveReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [options.plugin]);
  const lock = reportLockWaits(context.progress, 'resolve');
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'resolve', lock }, async (db) => ({
    database: db.displayUrl,
    ...(await resolveMigration(db, plugin!, allPlugins.map((p) => p.name), options.migration, options.resolution)),
  }));
}
