import type { Database } from '../database/database.ts';
import { HISTORY_TABLE_PREFIX, HistoryStore, readHistoryTables, type HistoryRow } from '../database/history-store.ts';
import { OrchestratorError } from '../errors.ts';
import { listMigrations, readLockedProvider, type MigrationOnDisk } from '../migrations/migrations-folder.ts';
import { historyTableName, type Plugin } from '../plugins/plugin.ts';
import { comparePluginHistory, type PluginStatus } from './plugin-status.ts';

/** A plugin's migrations on disk, its history in the database, and how they compare. */
export interface PluginState {
  plugin: Plugin;
  migrations: MigrationOnDisk[];
  history: HistoryStore;
  rows: HistoryRow[];
  status: PluginStatus;
}

export interface ProjectState {
  /** The selected plugins, in dependency order. */
  states: PluginState[];
  /** History tables in the database whose plugin is not in the code any more (plugin names). */
  removedPlugins: string[];
}

/**
 * Reads what deploy and status both start from, writing nothing. Refuses a plugin whose
 * migrations were generated for another provider than the database's, a migration file that
 * cannot be read as UTF-8, and a history table that is malformed or that the role may not read
 * (or, with `write`, not write).
 */
export async function readPluginStates(db: Database, plugins: Plugin[], options: { knownPlugins: string[]; write: boolean }): Promise<ProjectState> {
  for (const plugin of plugins) {
    const locked = readLockedProvider(plugin);
    if (locked && locked !== db.provider) {
      throw new OrchestratorError('PROVIDER_MISMATCH', `Plugin "${plugin.name}": its migrations were generated for ${locked}, but DATABASE_URL (${db.displayUrl}) is a ${db.provider} database.`, {
        fix: `Point DATABASE_URL at a ${locked} database, or generate a ${db.provider} history for the plugin (ORCHESTRATOR_PROVIDER=${db.provider}, after moving its migrations folder away).`,
      });
    }
  }
  const tables = plugins.map((plugin) => historyTableName(plugin.name));
  // The server reads the history tables while this process reads the migration files.
  const history = readHistoryTables(db, tables, options);
  let migrations: MigrationOnDisk[][];
  try {
    migrations = await listEveryMigration(plugins);
  } catch (error) {
    await history.catch(() => {}); // a broken file is reported first, as if read before the history
    throw error;
  }
  const { rows, existing, withoutVersion } = await history;
  const stores = plugins.map((plugin, index) => new HistoryStore(db, tables[index]!, plugin.version, withoutVersion.has(tables[index]!)));
  const known = new Set(options.knownPlugins.map(historyTableName));
  const removedPlugins = existing.filter((table) => !known.has(table)).map((table) => table.slice(HISTORY_TABLE_PREFIX.length));
  const states = plugins.map((plugin, index): PluginState => {
    const pluginRows = rows.get(stores[index]!.table) ?? [];
    const status = { ...comparePluginHistory(plugin.name, migrations[index]!, pluginRows), codeVersion: plugin.version };
    return { plugin, migrations: migrations[index]!, history: stores[index]!, rows: pluginRows, status };
  });
  return { states, removedPlugins };
}

/** Plugins read between two looks at the event loop: often enough to send the next history query while files are read. */
const PLUGINS_PER_TURN = 20;

/** Every plugin's migrations, read from disk, letting queries already under way go on meanwhile. */
async function listEveryMigration(plugins: Plugin[]): Promise<MigrationOnDisk[][]> {
  const migrations: MigrationOnDisk[][] = [];
  for (const [index, plugin] of plugins.entries()) {
    if (index > 0 && index % PLUGINS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    migrations.push(listMigrations(plugin));
  }
  return migrations;
}
