import { OrchestratorError } from '../errors.ts';
import { historyTableName } from '../plugins/plugin.ts';
import { findDeclaration } from '../schema/prisma-schema-wasm.ts';
import type { PluginModels } from '../schema/read-plugin-models.ts';
import { databaseObjects, type DatabaseObject } from './database-objects.ts';
import type { ObjectOwnership } from './object-ownership.ts';

/**
 * Who owns each database object, from every plugin's models: what generate's external filters
 * and deploy's SQL check read. A name claimed by two plugins is an error naming both, with the
 * file and line of each declaration: each object belongs to exactly one plugin, which alone
 * migrates it.
 */
export function collectOwnership(allModels: Iterable<PluginModels>): ObjectOwnership {
  const ownership: ObjectOwnership = { tables: new Map(), enums: new Map(), indexes: new Map() };
  const claims = new Map<string, { models: PluginModels; object: DatabaseObject }>();
  const mapOf = (kind: DatabaseObject['kind']) => (kind === 'table' ? ownership.tables : kind === 'enum' ? ownership.enums : ownership.indexes);
  for (const models of allModels) {
    const plugin = models.plugin.name;
    const history: DatabaseObject = { kind: 'table', name: historyTableName(plugin), declaredBy: '' };
    for (const object of [history, ...databaseObjects(models)]) {
      const key = `${object.kind}:${object.name}`;
      const first = claims.get(key);
      if (first) throw conflict(first, { models, object });
      claims.set(key, { models, object });
      mapOf(object.kind).set(object.name, plugin);
    }
  }
  return ownership;
}

function conflict(first: { models: PluginModels; object: DatabaseObject }, second: { models: PluginModels; object: DatabaseObject }): OrchestratorError {
  const { kind, name } = second.object;
  const label = kind === 'index' ? 'index or constraint' : kind;
  const where = (claim: { models: PluginModels; object: DatabaseObject }) => {
    if (claim.object.declaredBy === '') return `its history table`;
    const found = findDeclaration(claim.models.files, claim.object.declaredBy);
    return `${claim.models.plugin.name}'s ${claim.object.declaredBy}${found ? ` at ${found.path}:${found.line}` : ''}`;
  };
  const a = first.models.plugin.name;
  const b = second.models.plugin.name;
  if (a === b) {
    return new OrchestratorError('OWNERSHIP_CONFLICT', `Plugin "${a}" declares the ${label} "${name}" twice (${where(first)}; ${where(second)}).`, {
      fix: `Keep one declaration of it (check @@map and map: names across the plugin's *.prisma files).`,
    });
  }
  return new OrchestratorError('OWNERSHIP_CONFLICT', `The ${label} "${name}" is claimed by two plugins: "${a}" and "${b}" (${where(first)}; ${where(second)}). Each ${label} belongs to exactly one plugin.`, {
    fix: `Keep the model in one of them. The other can relate to it by listing that plugin in "dependsOn", or use another name with @@map (or map: for an index).`,
  });
}
