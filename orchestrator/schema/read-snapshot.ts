import { OrchestratorError } from '../errors.ts';
import { DEPENDENCY_COPY_DIR } from './dependency-copy.ts';
import { type DatamodelEnum, type SchemaSource, SchemaInvalidError, findDeclaration, readDatamodel } from './prisma-schema-wasm.ts';

/** What a plugin's latest snapshot.prisma says: the tables and enums it held, split by who declared them. */
export interface SnapshotState {
  ownTables: Set<string>;
  ownEnums: DatamodelEnum[];
  /** Tables and enums of the dependency copies (and their join tables): another plugin's business. */
  foreignTables: Set<string>;
  foreignEnums: Set<string>;
  /** Dependency tables the plugin's own foreign keys point at, with the fields that hold them (`Loan.book`). */
  references: Map<string, string[]>;
}

/** The marker generate writes before each file of a composed schema in snapshot.prisma. */
const SECTION_MARKER = '// ---- ';

/**
 * Reads a snapshot with Prisma's parser. The snapshot is the composed schema as one file, each
 * part after a `// ---- <path>` line written by generate; parts under `dependencies/` are the
 * read-only copies of other plugins' models.
 */
export function readSnapshot(plugin: string, snapshot: { path: string; content: string }, knownOwner?: (name: string) => 'own' | 'foreign' | undefined): SnapshotState {
  const sections = splitSections(snapshot.content);
  let datamodel;
  try {
    datamodel = readDatamodel(sections);
  } catch (error) {
    if (!(error instanceof SchemaInvalidError)) throw error;
    throw new OrchestratorError('SCHEMA_INVALID', `Plugin "${plugin}": ${snapshot.path} is not a valid Prisma schema, so generate cannot tell what the latest migration left behind.\n${error.message}`, {
      fix: 'Restore it from version control: generate writes it, and it must not be edited.',
    });
  }
  // Which part declares a model: a name the project knows answers it; others are looked up with Prisma's "find references".
  const foreignSection = (name: string) => {
    const known = knownOwner?.(name);
    return known ? known === 'foreign' : (findDeclaration(sections, name)?.path.startsWith(DEPENDENCY_COPY_DIR) ?? false);
  };
  const ownModels = new Set(datamodel.models.filter((model) => !foreignSection(model.name)).map((model) => model.name));
  const state: SnapshotState = { ownTables: new Set(), ownEnums: [], foreignTables: new Set(), foreignEnums: new Set(), references: new Map() };
  for (const model of datamodel.models) (ownModels.has(model.name) ? state.ownTables : state.foreignTables).add(model.dbName ?? model.name);
  for (const model of datamodel.models.filter((m) => ownModels.has(m.name))) {
    for (const field of model.fields.filter((f) => (f.relationFromFields?.length ?? 0) > 0 && !ownModels.has(f.type))) {
      const target = datamodel.models.find((m) => m.name === field.type)!;
      const table = target.dbName ?? target.name;
      state.references.set(table, [...(state.references.get(table) ?? []), `${model.name}.${field.name}`]);
    }
  }
  for (const model of datamodel.models) {
    for (const field of model.fields.filter((f) => f.kind === 'object' && f.isList)) {
      const target = datamodel.models.find((m) => m.name === field.type);
      const opposite = target?.fields.find((f) => f.relationName === field.relationName && f !== field && f.isList);
      if (!opposite) continue;
      // A join table belongs to the plugin that declares the relation: the one holding either side.
      (ownModels.has(model.name) || ownModels.has(field.type) ? state.ownTables : state.foreignTables).add(`_${field.relationName}`);
    }
  }
  for (const enumType of datamodel.enums) {
    if (foreignSection(enumType.name)) state.foreignEnums.add(enumType.dbName ?? enumType.name);
    else state.ownEnums.push(enumType);
  }
  for (const table of state.ownTables) state.foreignTables.delete(table);
  return state;
}

/** Whether a snapshot holds read-only copies of other plugins' models (its plugin depended on some). */
export function holdsDependencyCopies(content: string): boolean {
  return splitSections(content).some((section) => section.path.startsWith(DEPENDENCY_COPY_DIR));
}

function splitSections(content: string): SchemaSource[] {
  const sections: SchemaSource[] = [];
  let current: SchemaSource | undefined;
  for (const line of content.split('\n')) {
    if (line.startsWith(SECTION_MARKER)) {
      current = { path: line.slice(SECTION_MARKER.length).trim(), content: '' };
      sections.push(current);
    } else if (current) {
      current.content += `${line}\n`;
    }
  }
  return sections.length > 0 ? sections : [{ path: 'snapshot.prisma', content }];
}
