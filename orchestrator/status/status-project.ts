import type { CommandContext } from '../context/command-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readDatabaseStatus, type DatabaseStatus } from './read-database-status.ts';

/** Where the project's database stands: each selected plugin's status and removed plugins' history tables. */
export type StatusReport = DatabaseStatus;

/** Compares each selected plugin's migrations folder with its history table; writes nothing, creates no SQLite file. */
export async function statusProject(context: CommandContext, _options: object = {}): Promise<StatusReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  return readDatabaseStatus(project, project.databaseUrl, selectPlugins(allPlugins, context.pluginNames), allPlugins);
}
