import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { isUpToDate, type PluginStatus } from './plugin-status.ts';
import { readPluginStates } from './read-plugin-states.ts';

/** Where one database stands: each selected plugin's status, and history tables of removed plugins. */
export interface DatabaseStatus {
  /** The URL without its password. */
  database: string;
  upToDate: boolean;
  plugins: PluginStatus[];
  /** Plugins whose history table remains in the database but whose folder is gone. */
  removedPlugins: string[];
}

/** Reads the status of `plugins` in the database at `url`, writing nothing (a missing SQLite file or schema reads as empty). */
export async function readDatabaseStatus(project: Project, url: string, plugins: Plugin[], allPlugins: Plugin[]): Promise<DatabaseStatus> {
  return withDatabase(url, project.root, { create: false, command: 'status' }, async (db) => {
    const { states, removedPlugins } = await readPluginStates(db, plugins, { knownPlugins: allPlugins.map((plugin) => plugin.name), write: false });
    const statuses = states.map((state) => state.status);
    const upToDate = statuses.every(isUpToDate) && removedPlugins.length === 0;
    return { database: db.displayUrl, upToDate, plugins: statuses, removedPlugins };
  });
}
