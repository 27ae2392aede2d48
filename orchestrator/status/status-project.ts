import type { CommandContext } from '../context/command-context.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { isUpToDate, type PluginStatus } from './plugin-status.ts';
import { readPluginStates } from './read-plugin-states.ts';

export interface StatusReport {
  /** The database, with any password hidden. */
  database: string;
  /** True when every migration is applied and no removed plugin's history table remains (the CLI exits 0). */
  upToDate: boolean;
  /** The selected plugins, in dependency order. */
  plugins: PluginStatus[];
  /** History tables whose plugin folder is gone (plugin names). */
  removedPlugins: string[];
}

/** Compares each plugin's migrations folder with its history table; writes nothing, creates no SQLite file. */
export async function statusProject(context: CommandContext, _options: object = {}): Promise<StatusReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, context.pluginNames);
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'status' }, async (db) => {
    const { states, removedPlugins } = await readPluginStates(db, plugins, { knownPlugins: allPlugins.map((plugin) => plugin.name), write: false });
    const statuses = states.map((state) => state.status);
    return { database: db.displayUrl, upToDate: statuses.every(isUpToDate) && removedPlugins.length === 0, plugins: statuses, removedPlugins };
  });
}
