import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import { readProjectFile } from '../files/project-files.ts';
import { transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { checkDatabaseNames } from './check-database-names.ts';
import { type BackField, type DependencyCopy, originOf, renderDependencyCopy } from './dependency-copy.ts';
import {
  type Datamodel,
  type DatamodelEnum,
  type DatamodelModel,
  type SchemaDiagnostic,
  type SchemaSource,
  SchemaInvalidError,
  findDeclaration,
  lineOf,
  lintSchema,
  proposeOppositeField,
  readDatamodel,
  schemaConfigBlocks,
  summarizePrismaErrors,
} from './prisma-schema-wasm.ts';
import { schemaHeader } from './schema-header.ts';
import { NATIVE_TYPE_PREFIX, stripNativeTypes } from './strip-native-types.ts';

export interface ModelFile extends SchemaSource {
  /** The file as written, before any adaptation to the provider. */
  original: string;
}

/** A plugin's models as Prisma reads them, and what its relations add to its dependencies' models. */
export interface PluginModels {
  plugin: Plugin;
  provider: Provider;
  /** Its `*.prisma` files, adapted to the provider (SQLite: native types removed; lines unchanged). */
  files: ModelFile[];
  models: DatamodelModel[];
  enums: DatamodelEnum[];
  /** Indexes and constraints of its own models, as Prisma lists them. */
  datamodel: Datamodel;
  /** Database names of its models' tables and of its enums. */
  tables: string[];
  enumNames: string[];
  /** Implicit many-to-many join tables (`_AToB`) of relations it declares. */
  joinTables: string[];
  /** Fields its relations need on its dependencies' models (never written to their files). */
  backFields: BackField[];
}

export interface ProjectSchemaSettings {
  root: string;
  templatesDir: string;
  provider: Provider;
}

/** The blocks only prisma-templates/schema.prisma may declare. */
const HEADER_KEYWORDS = ['datasource', 'generator'];

/** Marks the fields Prisma's quick fix adds while the orchestrator reads a schema; they never reach a file. */
const PROBE_FIELD = 'orchestratorProbe';

/**
 * Reads every plugin's models with Prisma's own parser, in dependency order: a plugin's models
 * are read together with read-only copies of its dependencies' models, because they relate to
 * them. Stops at the first plugin whose models are invalid, with Prisma's message (file and line).
 */
export function readProjectModels(project: ProjectSchemaSettings, ordered: Plugin[]): Map<string, PluginModels> {
  const read = new Map<string, PluginModels>();
  const readOne = (plugin: Plugin): PluginModels => {
    let models = read.get(plugin.name);
    if (!models) {
      const dependencies = transitiveDependencies(ordered, plugin).map(readOne);
      models = readPluginModels(project, plugin, dependencies, (name) => undefinedPluginModel(project, ordered, plugin, name, readOne));
      read.set(plugin.name, models);
    }
    return models;
  };
  for (const plugin of ordered) readOne(plugin);
  return read;
}

/** Reads one plugin, given its dependencies (transitive, in dependency order) already read. */
export function readPluginModels(
  project: ProjectSchemaSettings,
  plugin: Plugin,
  dependencies: PluginModels[],
  explainUnknownType: (name: string) => OrchestratorError | undefined = () => undefined,
): PluginModels {
  const files = plugin.modelFiles.map((file): SchemaSource => ({ path: relativePath(project.root, file), content: readProjectFile(file, 'PLUGIN_MODELS_INVALID') }));
  refuseHeaderBlocks(plugin, files);
  refuseClashingNames(plugin, dependencies);
  const header = { path: schemaHeader.path(project.root, project.templatesDir), content: schemaHeader.content(project.templatesDir, project.provider, plugin.name) };
  const copies = dependencies.map((dependency) => renderDependencyCopy({ plugin: dependency.plugin.name, files: dependency.files }, backFieldsFor(dependency, dependencies)));

  let adapted = files;
  // Only an `@db.` attribute can be stripped: without one, Prisma's lint (a parse of the whole
  // schema, per plugin) would change nothing.
  if (project.provider === 'sqlite' && files.some((file) => file.content.includes(NATIVE_TYPE_PREFIX))) {
    const diagnostics = lintSchema([header, ...files, ...copies]);
    adapted = files.map((file) => ({ path: file.path, content: stripNativeTypes(file, diagnostics) }));
  }
  const analysis = analyse(plugin, header, adapted, copies, dependencies, explainUnknownType);
  const own = ownPart(analysis.datamodel, dependencies);
  const result: PluginModels = {
    plugin,
    provider: project.provider,
    files: adapted.map((file, index) => ({ ...file, original: files[index]!.content })),
    models: own.models,
    enums: own.enums,
    datamodel: own,
    tables: own.models.map(tableName),
    enumNames: own.enums.map((e) => e.dbName ?? e.name),
    joinTables: [],
    backFields: [],
  };
  addRelations(result, analysis, dependencies);
  checkDatabaseNames(result, (name) => findDeclaration(adapted, name));
  return result;
}

export function tableName(model: DatamodelModel): string {
  return model.dbName ?? model.name;
}

interface Analysis {
  datamodel: Datamodel;
  /** Back fields Prisma's quick fix proposed, by their probe name: where they go, and which diagnostic asked. */
  probes: Map<string, { copy: DependencyCopy; line: number; diagnostic: SchemaDiagnostic }>;
  ownFiles: SchemaSource[];
}

/**
 * Prisma validates a schema only with both sides of every relation, but a plugin declares only
 * its side of a relation to a dependency's model. So the plugin's files are linted with the
 * dependencies' copies; for each "missing an opposite relation field", Prisma's own quick fix
 * proposes the back field (with the relation's name), which goes into the copy under a probe
 * name. The schema then validates, and Prisma's datamodel tells everything about each relation.
 */
function analyse(
  plugin: Plugin,
  header: SchemaSource,
  own: SchemaSource[],
  copies: DependencyCopy[],
  dependencies: PluginModels[],
  explainUnknownType: (name: string) => OrchestratorError | undefined,
): Analysis {
  const first = [header, ...own, ...copies];
  // Most plugins relate to no dependency's model: then the schema validates as it is.
  try {
    return { datamodel: readDatamodel(first), probes: new Map(), ownFiles: own };
  } catch (error) {
    if (!(error instanceof SchemaInvalidError)) throw error;
  }
  const ownPaths = new Set(own.map((file) => file.path));
  const diagnostics = lintSchema(first).filter((d) => !d.isWarning && ownPaths.has(d.path));
  const probes: Analysis['probes'] = new Map();
  const inserts = new Map<string, { line: number; text: string }[]>();
  for (const diagnostic of diagnostics.filter((d) => d.text.includes('is missing an opposite relation field'))) {
    for (const proposal of proposeOppositeField(first, diagnostic)) {
      const copy = copies.find((candidate) => candidate.path === proposal.path);
      // A missing field in the plugin's own models is the author's to add: validation reports it below.
      if (!copy) continue;
      const name = `${PROBE_FIELD}${probes.size}`;
      const body = proposal.newText.trim();
      probes.set(name, { copy, line: proposal.line, diagnostic });
      inserts.set(copy.path, [...(inserts.get(copy.path) ?? []), { line: proposal.line, text: `  ${name} ${body.slice(body.search(/\s/) + 1)}` }]);
    }
  }
  const probed = [header, ...own, ...copies.map((copy) => ({ path: copy.path, content: insertLines(copy.content, inserts.get(copy.path) ?? []) }))];
  try {
    return { datamodel: readDatamodel(probed), probes, ownFiles: own };
  } catch (error) {
    if (!(error instanceof SchemaInvalidError)) throw error;
    throw (
      foreignKeyInDependency(plugin, own, probed, [...probes.values()].map((probe) => probe.diagnostic), dependencies) ??
      explainInvalid(plugin, own, dependencies, diagnostics, explainUnknownType) ??
      schemaInvalid(plugin, error.message)
    );
  }
}

/**
 * A single relation field without `fields:` pointing at a dependency's model would need the
 * foreign key in the dependency's table. With Prisma's proposed back field the schema is still
 * invalid at that very field: that is the sign.
 */
function foreignKeyInDependency(plugin: Plugin, own: SchemaSource[], probed: SchemaSource[], asked: SchemaDiagnostic[], dependencies: PluginModels[]): OrchestratorError | undefined {
  const remaining = lintSchema(probed).filter((d) => !d.isWarning);
  const field = asked.find((a) => remaining.some((d) => d.path === a.path && d.start < a.end && a.start < d.end));
  if (!field) return undefined;
  const file = own.find((candidate) => candidate.path === field.path)!;
  const [name = '', type = ''] = file.content.slice(field.start, field.end).trim().split(/\s+/);
  const target = type.replace(/[?[\]]/g, '');
  const owner = dependencies.find((dependency) => dependency.models.some((model) => model.name === target));
  // Prisma's message names the model the field is in: "… field `x` in model `Y` …".
  const model = /in model `([^`]+)`/.exec(field.text)?.[1];
  return new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${file.path}:${lineOf(file.content, field.start)}, field ${model ? `${model}.` : ''}${name} is the side of a relation without the foreign key, so the key would have to go into ${owner ? `"${owner.plugin.name}"'s ` : ''}table ${target}, which "${plugin.name}" must not alter.`, {
    fix: `Hold the foreign key in ${model ?? 'the model'}: add a scalar field (e.g. ${lowerFirst(target)}Id) and @relation(fields: [${lowerFirst(target)}Id], references: [id]). For a many-to-many relation, make the field a list (${target}[]).`,
  });
}

/** A clearer error than Prisma's for the mistakes plugins make: a type from a plugin not depended on, a name declared twice. */
function explainInvalid(
  plugin: Plugin,
  own: SchemaSource[],
  dependencies: PluginModels[],
  diagnostics: SchemaDiagnostic[],
  explainUnknownType: (name: string) => OrchestratorError | undefined,
): OrchestratorError | undefined {
  for (const diagnostic of diagnostics.filter((d) => d.text.includes('is neither a built-in type'))) {
    const file = own.find((candidate) => candidate.path === diagnostic.path)!;
    const explained = explainUnknownType(file.content.slice(diagnostic.start, diagnostic.end));
    if (explained) return explained;
  }
  for (const dependency of dependencies) {
    for (const name of [...dependency.models.map((m) => m.name), ...dependency.enums.map((e) => e.name)]) {
      const clash = findDeclaration(own, name);
      if (!clash) continue;
      return new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${clash.path}:${clash.line} declares ${name}, and plugin "${dependency.plugin.name}", which it depends on, declares ${name} too. Names must differ within a plugin and the plugins it depends on, because they share one schema.`, {
        fix: `Rename one of them (the table name can stay the same with @@map).`,
      });
    }
  }
  return undefined;
}

export function schemaInvalid(plugin: Plugin, prismaMessage: string): OrchestratorError {
  return new OrchestratorError('SCHEMA_INVALID', `Plugin "${plugin.name}": its Prisma schema is invalid.\n${summarizePrismaErrors(prismaMessage)}`, {
    fix: 'Correct the model file named above (the line is after "-->"), then run generate again.',
  });
}

/**
 * Why a type a plugin uses is unknown: when another plugin, not among its dependencies, declares
 * that model, the plugin is read once more as if it depended on it, to name the field.
 */
function undefinedPluginModel(
  project: ProjectSchemaSettings,
  ordered: Plugin[],
  plugin: Plugin,
  typeName: string,
  readOne: (plugin: Plugin) => PluginModels,
): OrchestratorError | undefined {
  const reachable = new Set(transitiveDependencies(ordered, plugin).map((p) => p.name));
  for (const other of ordered) {
    if (other === plugin || reachable.has(other.name)) continue;
    const files = other.modelFiles.map((file) => ({ path: relativePath(project.root, file), content: readProjectFile(file, 'PLUGIN_MODELS_INVALID') }));
    if (!findDeclaration(files, typeName, ['model'])) continue;
    let where = `a field of type ${typeName}`;
    try {
      const dependencies = [...transitiveDependencies(ordered, other), other].map(readOne);
      const widened = readPluginModels(project, plugin, dependencies);
      const field = widened.models.flatMap((model) => model.fields.filter((f) => f.type === typeName).map((f) => `${model.name}.${f.name}`))[0];
      if (field) where = `field ${field}`;
    } catch {
      // The widened reading is only for a better message; the error below stands either way.
    }
    return new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${where} relates to model ${typeName} of plugin "${other.name}", which "${plugin.name}" does not depend on.`, {
      fix: `Add "${other.name}" to "dependsOn" in ${plugin.dir}/plugin.json.`,
    });
  }
  return undefined;
}

/** The models and enums the plugin declares itself, with their indexes. */
function ownPart(datamodel: Datamodel, dependencies: PluginModels[]): Datamodel {
  const foreign = new Set(dependencies.flatMap((d) => d.models.map((m) => m.name)));
  const foreignEnums = new Set(dependencies.flatMap((d) => d.enums.map((e) => e.name)));
  const models = datamodel.models.filter((model) => !foreign.has(model.name));
  const names = new Set(models.map((model) => model.name));
  return {
    models,
    enums: datamodel.enums.filter((e) => !foreignEnums.has(e.name)),
    indexes: datamodel.indexes.filter((index) => names.has(index.model)),
  };
}

/**
 * Join tables of the plugin's implicit many-to-many relations, and the back-relation field each
 * relation to a dependency's model needs there. Only the dependent side may hold a foreign key:
 * a dependency's table is never altered by a plugin that builds on it.
 */
function addRelations(result: PluginModels, analysis: Analysis, dependencies: PluginModels[]): void {
  const joinTables = new Set<string>();
  const ownerOf = new Map(dependencies.flatMap((dependency) => dependency.models.map((model) => [model.name, dependency] as const)));
  const modelByName = new Map(analysis.datamodel.models.map((model) => [model.name, model]));
  const taken = new Map<string, Set<string>>();
  const takenOn = (model: string) => {
    let names = taken.get(model);
    if (!names) {
      names = new Set(modelByName.get(model)!.fields.map((field) => field.name).filter((name) => !name.startsWith(PROBE_FIELD)));
      for (const dependency of dependencies) for (const field of dependency.backFields) if (field.targetModel === model) names.add(field.name);
      taken.set(model, names);
    }
    return names;
  };

  for (const model of result.models) {
    for (const field of model.fields.filter((f) => f.kind === 'object')) {
      const target = modelByName.get(field.type)!;
      const opposite = target.fields.find((f) => f.relationName === field.relationName && f.type === model.name && !(target === model && f.name === field.name));
      if (field.isList && opposite?.isList) joinTables.add(`_${field.relationName}`);
      const dependency = ownerOf.get(field.type);
      if (!dependency) continue;
      const probe = opposite && analysis.probes.get(opposite.name);
      if (!opposite || !probe) throw new Error(`internal: no back field for ${model.name}.${field.name}`);
      const fromFields = field.relationFromFields ?? [];
      if (fromFields.length === 0 && !field.isList) {
        const file = analysis.ownFiles.find((f) => f.path === probe.diagnostic.path)!;
        throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${result.plugin.name}": ${file.path}:${lineOf(file.content, probe.diagnostic.start)}, field ${model.name}.${field.name} is the side of a relation without the foreign key, so the key would have to go into "${dependency.plugin.name}"'s table ${field.type}, which "${result.plugin.name}" must not alter.`, {
          fix: `Hold the foreign key in ${model.name}: add a scalar field (e.g. ${lowerFirst(field.type)}Id) and @relation(fields: [${lowerFirst(field.type)}Id], references: [id]).`,
        });
      }
      const type = fromFields.length > 0 && isUnique(model, fromFields) ? `${model.name}?` : `${model.name}[]`;
      const names = takenOn(field.type);
      const base = `${lowerFirst(model.name)}${upperFirst(field.name)}`;
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base}${n}`;
      names.add(name);
      const relation = field.relationName === defaultRelationName(model.name, field.type) ? '' : ` @relation(${JSON.stringify(field.relationName)})`;
      const origin = originOf(probe.copy, probe.line)!;
      result.backFields.push({
        targetPlugin: dependency.plugin.name,
        targetModel: field.type,
        file: origin.file,
        beforeLine: origin.line,
        name,
        text: `  ${name} ${type}${relation} // added by the orchestrator: back side of ${result.plugin.name}'s ${model.name}.${field.name}`,
      });
    }
  }
  result.joinTables = [...joinTables];
}

/** The back fields that the plugin's dependencies (and only they) add to `dependency`'s models. */
function backFieldsFor(dependency: PluginModels, dependencies: PluginModels[]): BackField[] {
  return dependencies.flatMap((other) => other.backFields.filter((field) => field.targetPlugin === dependency.plugin.name));
}

/**
 * A relation is one-to-one when its foreign key is exactly a unique criterion of its model:
 * @id, @@id, @unique or @@unique, fields in the same order (as Prisma requires).
 */
function isUnique(model: DatamodelModel, fields: string[]): boolean {
  if (fields.length === 1) {
    const field = model.fields.find((f) => f.name === fields[0]);
    if (field?.isId || field?.isUnique) return true;
  }
  if (model.primaryKey && sameList(model.primaryKey.fields, fields)) return true;
  return model.uniqueFields.some((unique) => sameList(unique, fields));
}

/** Prisma's name for an unnamed relation: the two model names, sorted, joined by "To". */
function defaultRelationName(a: string, b: string): string {
  return [a, b].sort().join('To');
}

function refuseHeaderBlocks(plugin: Plugin, files: SchemaSource[]): void {
  // Prisma's config reader parses the whole file: skipped when neither keyword occurs at all.
  if (!files.some((file) => HEADER_KEYWORDS.some((keyword) => file.content.includes(keyword)))) return;
  for (const block of schemaConfigBlocks(files)) {
    // Prisma's config gives the file; the line is the one that opens the block.
    const file = files.find((candidate) => candidate.path === block.path);
    const index = file?.content.split('\n').findIndex((line) => line.trim().split(/\s+/).slice(0, 2).join(' ') === `${block.kind} ${block.name}`) ?? -1;
    throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${block.path}${index >= 0 ? `:${index + 1}` : ''} declares a ${block.kind} block.`, {
      fix: `Remove it: the ${block.kind} comes from prisma-templates/schema.prisma, so every plugin shares one.`,
    });
  }
}

/**
 * Two plugins may each declare a model named User (with different tables): they never meet,
 * unless a third plugin depends on both, and then its schema would hold two models of one name.
 */
function refuseClashingNames(plugin: Plugin, dependencies: PluginModels[]): void {
  const seen = new Map<string, PluginModels>();
  for (const dependency of dependencies) {
    for (const name of [...dependency.models.map((m) => m.name), ...dependency.enums.map((e) => e.name)]) {
      const first = seen.get(name);
      if (first) {
        const where = (models: PluginModels) => {
          const found = findDeclaration(models.files, name);
          return found ? `${found.path}:${found.line}` : models.plugin.dir;
        };
        throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}" depends on "${first.plugin.name}" and "${dependency.plugin.name}", which both declare ${name} (${where(first)}, ${where(dependency)}). In "${plugin.name}"'s schema they would be two models of one name.`, {
          fix: `Rename ${name} in one of them (its table name can stay the same with @@map), or drop one of the dependencies of "${plugin.name}".`,
        });
      }
      seen.set(name, dependency);
    }
  }
}

function insertLines(content: string, inserts: { line: number; text: string }[]): string {
  const lines = content.split('\n');
  for (const insert of [...inserts].sort((a, b) => b.line - a.line)) lines.splice(insert.line, 0, insert.text);
  return lines.join('\n');
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item, index) => b[index] === item);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function relativePath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
