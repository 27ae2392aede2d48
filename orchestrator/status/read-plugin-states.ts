import type { Database } from '../database/database.ts';
import { HistoryStore, type HistoryRow } from '../database/history-store.ts';
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

/**
 * Reads what deploy and status both start from. Refuses a plugin whose migrations were
 * generated for another provider than the database's, before anything is read or written.
 */
export async function readPluginStates(db: Database, plugins: Plugin[]): Promise<PluginState[]> {
  for (const plugin of plugins) {
    const locked = readLockedProvider(plugin);
    if (locked && locked !== db.provider) {
      throw new OrchestratorError('PROVIDER_MISMATCH', `Plugin "${plugin.name}": its migrations were generated for ${locked}, but DATABASE_URL (${db.displayUrl}) is a ${db.provider} database.`, {
        fix: `Point DATABASE_URL at a ${locked} database, or generate a ${db.provider} history for the plugin (ORCHESTRATOR_PROVIDER=${db.provider}, after moving its migrations folder away).`,
      });
    }
  }
  // One table listing serves every plugin: a no-op deploy of many plugins stays one round trip per plugin.
  const tables = new Set(await db.listTables());
  const states: PluginState[] = [];
  for (const plugin of plugins) {
    const migrations = listMigrations(plugin);
    const history = new HistoryStore(db, historyTableName(plugin.name));
    const rows = tables.has(history.table) ? await history.rows() : [];
    states.push({ plugin, migrations, history, rows, status: comparePluginHistory(plugin.name, migrations, rows) });
  }
  return states;
}
