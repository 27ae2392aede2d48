import type { Project } from '../config/load-project.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import { countRows, type Database } from '../database/database.ts';
import { HISTORY_TABLE_PREFIX, readHistoryTables } from '../database/history-store.ts';
import { OrchestratorError } from '../errors.ts';
import { listMigrations, readLatestSnapshot } from '../migrations/migrations-folder.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { dependencyClosures } from '../plugins/dependency-order.ts';
import { historyTableName, type Plugin } from '../plugins/plugin.ts';
import { readSnapshot } from '../schema/read-snapshot.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';

/** What `uninstall <plugin>` drops, read from the code and the live catalog; nothing written. */
export interface UninstallPlan {
  plugin: string;
  /** Whether plugins/<name> exists. Without it, what the plugin owned cannot be known, and only its history table is dropped. */
  inCode: boolean;
  /** The plugin's tables (models and implicit many-to-many join tables) present in the database, with their rows. */
  tables: { name: string; rows: number }[];
  /** Its enum types present in the database (PostgreSQL). */
  enums: string[];
  historyTable: string;
  /** Migrations its history records as applied. */
  appliedMigrations: number;
  /** Plugin removed from the code: live tables that no plugin in the code owns (perhaps its own), left alone. */
  unclaimedTables: string[];
}

/**
 * Plans the removal of everything a plugin owns in the database: the tables and enums its models
 * declare (and those its latest snapshot still holds, for models removed since), as they exist in
 * the live catalog, and its history table. Ownership is the project's one model
 * (collect-ownership.ts): an object another plugin's models claim is never the plugin's.
 *
 * Refuses (PLUGIN_IN_USE) while an installed plugin depends on it, or while a live foreign key
 * from any table it does not own (another plugin's, the application's) points at one of its
 * tables; and (PLUGIN_NOT_FOUND) when the database holds no history of it.
 */
export async function planUninstall(db: Database, project: Project, allPlugins: Plugin[], name: string): Promise<UninstallPlan> {
  const historyTable = historyTableName(name);
  const { rows, existing } = await readHistoryTables(db, [historyTable], { write: true });
  const installed = new Set(existing.map((table) => table.slice(HISTORY_TABLE_PREFIX.length)));
  const plugin = allPlugins.find((candidate) => candidate.name === name);
  if (!installed.has(name)) {
    throw new OrchestratorError('PLUGIN_NOT_FOUND', `Plugin "${name}" is not installed on ${db.displayUrl}: there is no history table "${historyTable}". Nothing was changed.`, {
      fix: `Check the plugin's name and DATABASE_URL (status lists the installed plugins${installed.size > 0 ? `: ${[...installed].join(', ')}` : ''}).`,
    });
  }
  if (plugin) refuseInstalledDependents(plugin, allPlugins, installed);

  const key = (table: string) => sqlDialectFor(db.provider).nameKey(table);
  const ownership = readProjectOwnership(project, allPlugins);
  const owned = plugin ? ownedObjects(plugin, ownership) : { tables: new Set<string>(), enums: new Set<string>() };
  const ownedKeys = new Set([...owned.tables].map(key));
  const liveTables = await db.listTables();
  const tables = liveTables.filter((table) => ownedKeys.has(key(table)) && key(table) !== key(historyTable));
  const enums = (await db.listEnums()).filter((type) => owned.enums.has(type));
  await refuseForeignKeys(db, name, new Set([...tables, historyTable].map(key)), ownership);

  const counted = [];
  for (const table of tables) counted.push({ name: table, rows: await countRows(db, table) });
  const appliedMigrations = new Set((rows.get(historyTable) ?? []).filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name)).size;
  // Removed from the code: its tables cannot be told from the application's, so they stay; the summary names the candidates.
  const unclaimedTables = plugin ? [] : liveTables.filter((table) => !ownership.tables.has(table) && !table.startsWith(HISTORY_TABLE_PREFIX));
  return { plugin: name, inCode: plugin !== undefined, tables: counted, enums, historyTable, appliedMigrations, unclaimedTables };
}

/** The plugin's tables and enums: its models' now, and its latest snapshot's (models removed since, not yet migrated), unless another plugin claims them now. */
function ownedObjects(plugin: Plugin, ownership: ObjectOwnership): { tables: Set<string>; enums: Set<string> } {
  const mine = (map: Map<string, string>) => new Set([...map].filter(([, owner]) => owner === plugin.name).map(([object]) => object));
  const tables = mine(ownership.tables);
  const enums = mine(ownership.enums);
  const snapshot = readLatestSnapshot(listMigrations(plugin));
  if (snapshot) {
    const state = readSnapshot(plugin.name, snapshot);
    for (const table of state.ownTables) if (!ownership.tables.has(table)) tables.add(table);
    for (const type of state.ownEnums) if (!ownership.enums.has(type.dbName ?? type.name)) enums.add(type.dbName ?? type.name);
  }
  return { tables, enums };
}

function refuseInstalledDependents(plugin: Plugin, allPlugins: Plugin[], installed: Set<string>): void {
  const closures = dependencyClosures(allPlugins);
  const dependents = allPlugins.filter((other) => closures.get(other.name)?.has(plugin.name) && installed.has(other.name)).map((other) => other.name);
  if (dependents.length === 0) return;
  throw new OrchestratorError('PLUGIN_IN_USE', `Refusing to uninstall plugin "${plugin.name}": installed plugin(s) ${dependents.map((d) => `"${d}"`).join(', ')} depend on it ("dependsOn"), and their tables may point at its tables. Nothing was changed.`, {
    fix: `Uninstall ${dependents.length === 1 ? 'that plugin' : 'those plugins'} first (dependents before their dependencies): ${dependents.reverse().map((d) => `uninstall ${d}`).join(', then ')}.`,
  });
}

/** A foreign key into what would be dropped, from a table that stays (another plugin's, the application's): PostgreSQL would refuse the drop, SQLite would leave it dangling. */
async function refuseForeignKeys(db: Database, plugin: string, dropped: Set<string>, ownership: ObjectOwnership): Promise<void> {
  const key = (table: string) => sqlDialectFor(db.provider).nameKey(table);
  const blocking = (await db.listForeignKeys()).filter((fk) => dropped.has(key(fk.references)) && !dropped.has(key(fk.table)));
  if (blocking.length === 0) return;
  const lines = blocking.map((fk) => {
    const owner = ownership.tables.get(fk.table);
    return `  - table "${fk.table}"${owner ? ` (plugin "${owner}")` : ' (no plugin in the code owns it)'}: foreign key ${fk.name} → "${fk.references}"`;
  });
  throw new OrchestratorError('PLUGIN_IN_USE', `Refusing to uninstall plugin "${plugin}": tables it does not own point at its tables:\n${lines.join('\n')}\nNothing was changed.`, {
    fix: 'Remove those foreign keys first: through their plugin\'s models and a migration (or uninstall that plugin), or by hand for a table the application made.',
  });
}
