import { OrchestratorError } from '../errors.ts';
import { historyTableName } from '../plugins/plugin.ts';
import type { PluginModels } from '../schema/read-plugin-models.ts';

/** Which plugin owns each table and enum of the shared database (history tables included). */
export interface TableOwnership {
  tables: Map<string, string>;
  enums: Map<string, string>;
}

/**
 * Builds the ownership map from every plugin's models. A table or enum declared by two plugins
 * is an error naming both: each table belongs to exactly one plugin, which alone migrates it.
 */
export function collectOwnership(allModels: PluginModels[]): TableOwnership {
  const ownership: TableOwnership = { tables: new Map(), enums: new Map() };
  for (const models of allModels) {
    const plugin = models.plugin.name;
    claim(ownership.tables, historyTableName(plugin), plugin, 'table');
    for (const table of models.tables) claim(ownership.tables, table, plugin, 'table');
    for (const enumName of models.enums) claim(ownership.enums, enumName, plugin, 'enum');
  }
  return ownership;
}

function claim(owners: Map<string, string>, name: string, plugin: string, kind: 'table' | 'enum'): void {
  const owner = owners.get(name);
  if (owner !== undefined && owner !== plugin) {
    throw new OrchestratorError('OWNERSHIP_CONFLICT', `The ${kind} "${name}" is claimed by two plugins: "${owner}" and "${plugin}". Each ${kind} belongs to exactly one plugin.`, {
      fix: `Keep the model in one of them. The other can relate to it by listing that plugin in "dependsOn", or use another ${kind} name with @@map.`,
    });
  }
  if (owner !== undefined) {
    throw new OrchestratorError('OWNERSHIP_CONFLICT', `Plugin "${plugin}" declares the ${kind} "${name}" twice.`, {
      fix: `Keep one declaration of it (check @@map names across the plugin's *.prisma files).`,
    });
  }
  owners.set(name, plugin);
}
