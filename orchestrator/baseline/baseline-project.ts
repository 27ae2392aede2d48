import type { CommandContext } from '../context/command-context.ts';
import { withDriftContext } from '../drift/with-drift-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { recordBaseline, type BaselineResult } from './record-baseline.ts';

export interface BaselineOptions {
  /** The plugin whose tables already exist in the database. */
  plugin: string;
}

export interface BaselineReport extends BaselineResult {
  /** The database, with any password hidden. */
  database: string;
  /** The plugin's version (plugin.json), recorded with each migration. */
  version: string;
}

/** Adopts a database that already holds a plugin's tables: verifies they match its migrations, then records those as applied without running them. */
export async function baselineProject(context: CommandContext, options: BaselineOptions): Promise<BaselineReport> {
  const allPlugins = discoverPlugins(context.project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [options.plugin]);
  return withDriftContext(context.project, allPlugins, 'baseline', async (drift, db) => ({
    database: db.displayUrl,
    ...(await recordBaseline(drift, plugin!, allPlugins)),
    version: plugin!.version,
  }));
}
