import type { PluginModels } from '../schema/read-plugin-models.ts';
import { foreignKeyName, indexName, primaryKeyName, uniqueIndexName } from './constraint-names.ts';

/** One database object a plugin's models create, with the model or enum that declares it. */
export interface DatabaseObject {
  kind: 'table' | 'enum' | 'index';
  name: string;
  /** The model or enum it comes from, to point at its line in an error. */
  declaredBy: string;
}

/**
 * Every table, enum type, index and constraint name the plugin's models make Prisma create:
 * model tables (after @@map), implicit many-to-many join tables, enums (after @@map), primary
 * keys, unique constraints, indexes and foreign keys (explicit `map:` names, else Prisma's
 * defaults). The history table is not here: it is the orchestrator's, not the models'.
 */
export function databaseObjects(models: PluginModels): DatabaseObject[] {
  const objects: DatabaseObject[] = [];
  const { provider } = models;
  for (const model of models.models) {
    const table = model.dbName ?? model.name;
    const column = (field: string) => model.fields.find((f) => f.name === field)?.dbName ?? field;
    objects.push({ kind: 'table', name: table, declaredBy: model.name });
    for (const index of models.datamodel.indexes.filter((i) => i.model === model.name)) {
      const columns = index.fields.map((f) => column(f.name));
      const name =
        index.dbName ??
        (index.type === 'id' ? primaryKeyName(table, provider) : index.type === 'unique' ? uniqueIndexName(table, columns, provider) : indexName(table, columns, provider));
      objects.push({ kind: 'index', name, declaredBy: model.name });
    }
    for (const field of model.fields) {
      if (field.relationFromFields && field.relationFromFields.length > 0) {
        objects.push({ kind: 'index', name: foreignKeyName(table, field.relationFromFields.map(column), provider), declaredBy: model.name });
      }
    }
  }
  for (const joinTable of models.joinTables) {
    const declaredBy = models.models.find((m) => m.fields.some((f) => `_${f.relationName}` === joinTable))?.name ?? joinTable;
    objects.push({ kind: 'table', name: joinTable, declaredBy });
    // Prisma's names for the join table's key, index and foreign keys.
    for (const suffix of provider === 'postgresql' ? ['_AB_pkey', '_B_index', '_A_fkey', '_B_fkey'] : ['_AB_unique', '_B_index', '_A_fkey', '_B_fkey']) {
      objects.push({ kind: 'index', name: `${joinTable}${suffix}`, declaredBy });
    }
  }
  for (const enumType of models.enums) objects.push({ kind: 'enum', name: enumType.dbName ?? enumType.name, declaredBy: enumType.name });
  return objects;
}
