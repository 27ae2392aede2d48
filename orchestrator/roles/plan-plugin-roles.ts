import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { dependencyClosures } from '../plugins/dependency-order.ts';
import { historyTableName, type Plugin } from '../plugins/plugin.ts';
import type { TablePrivilege } from '../database/plugin-role-store.ts';
import { pluginRoleName, type RoleOptions } from './role-options.ts';

/** What one plugin's role should own and read, from the plugins' models and manifests. */
export interface PluginRole {
  plugin: string;
  role: string;
  /** The tables of its models (its history table is the deployer's, not the plugin's). */
  tables: string[];
  /** Its enum types. */
  enums: string[];
  /** The tables of the plugins it depends on, directly or not, and what it gets on each. */
  dependencyTables: { table: string; plugin: string }[];
  dependencyPrivileges: TablePrivilege[];
}

/**
 * One role per plugin: it owns the plugin's tables and enums (and so their sequences and
 * indexes), gets SELECT and REFERENCES (or REFERENCES only) on the tables of the plugins it
 * depends on, and nothing else: no other plugin's table, no history table, no table of the
 * application's own.
 */
export function planPluginRoles(orderedPlugins: Plugin[], ownership: ObjectOwnership, options: RoleOptions): PluginRole[] {
  const closures = dependencyClosures(orderedPlugins);
  const history = new Set(orderedPlugins.map((plugin) => historyTableName(plugin.name)));
  const tablesOf = (plugin: string) => [...ownership.tables].filter(([table, owner]) => owner === plugin && !history.has(table)).map(([table]) => table).sort();
  const privileges: TablePrivilege[] = options.dependencyAccess === 'select' ? ['SELECT', 'REFERENCES'] : ['REFERENCES'];
  return orderedPlugins.map((plugin) => ({
    plugin: plugin.name,
    role: pluginRoleName(options, plugin.name),
    tables: tablesOf(plugin.name),
    enums: [...ownership.enums].filter(([, owner]) => owner === plugin.name).map(([name]) => name).sort(),
    dependencyTables: [...(closures.get(plugin.name) ?? [])].sort().flatMap((dependency) => tablesOf(dependency).map((table) => ({ table, plugin: dependency }))),
    dependencyPrivileges: privileges,
  }));
}
