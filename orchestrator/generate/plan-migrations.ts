import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import type { DiffEngine } from '../engine/diff-engine.ts';
import { OrchestratorError } from '../errors.ts';
import {
  listMigrations,
  type MigrationOnDisk,
  nextMigrationName,
  readLatestSnapshot,
  readLockedProvider,
  writeMigration,
} from '../migrations/migrations-folder.ts';
import { collectOwnership } from '../ownership/collect-ownership.ts';
import { dependentsOf, transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { composeSchema, type ComposedSchema } from '../schema/compose-schema.ts';
import { readProjectModels, type PluginModels } from '../schema/read-plugin-models.ts';
import { holdsDependencyCopies, readSnapshot } from '../schema/read-snapshot.ts';
import { checkEnumChanges } from './check-enum-changes.ts';
import { checkTableDrops } from './check-table-drops.ts';
import type { PreviousStateDeriver } from './derive-previous-state.ts';
import type { MigrationStage } from './migration-stage.ts';

/** A migration generate has computed but not yet written. */
export interface PlannedMigration {
  plugin: Plugin;
  /** Null when the plugin's models match its latest migration: nothing to write. */
  name: string | null;
  sql: string;
  /** The reverse script (down.sql), from the new snapshot back to the previous one; absent when the previous state was derived by replay. */
  downSql?: string;
  snapshot: string;
  /** Set when no migration had a snapshot and the previous state was derived by replaying them: the newest of them. */
  derivedFrom?: MigrationOnDisk;
}

/** Every plugin's models and composed schema, read once for a command. */
export interface ProjectSchemas {
  /** Every plugin, in dependency order. */
  plugins: Plugin[];
  models: Map<string, PluginModels>;
  schemas: Map<string, ComposedSchema>;
}

/**
 * Reads, validates and composes every plugin's schema. All plugins are read (not only the
 * selected ones) because ownership is a property of the whole project, and a plugin's schema
 * includes the models of the plugins it depends on.
 */
export function readProjectSchemas(project: Project, plugins: Plugin[]): ProjectSchemas {
  const models = readProjectModels(project, plugins);
  collectOwnership(models.values());
  const schemas = new Map(
    plugins.map((plugin) => [
      plugin.name,
      composeSchema({
        projectRoot: project.root,
        templatesDir: project.templatesDir,
        provider: project.provider,
        models: models.get(plugin.name)!,
        dependencies: transitiveDependencies(plugins, plugin).map((dependency) => models.get(dependency.name)!),
      }),
    ]),
  );
  return { plugins, models, schemas };
}

export function composeAll(project: Project, plugins: Plugin[]): Map<string, ComposedSchema> {
  return readProjectSchemas(project, plugins).schemas;
}

/**
 * Diffs one plugin from the schema its newest migration left behind (the snapshot beside it)
 * to its models now. Reading the snapshot rather than replaying SQL means a hand-edited
 * migration.sql (a data backfill, say) never changes what the next generate sees, and no
 * database is needed.
 *
 * Everything the plugin does not own, in the snapshot and in the new schema, is external to
 * the diff: a dependency that removed or renamed a table or enum since the snapshot must not
 * make this plugin's migration drop the old one.
 *
 * Only when no migration has a snapshot (the first ones were written by hand) are they replayed
 * into a scratch database (see derive-previous-state.ts).
 */
export async function planMigration(
  project: Project,
  engine: DiffEngine,
  deriver: PreviousStateDeriver,
  plugin: Plugin,
  all: ProjectSchemas,
  message: string | undefined,
  now: Date,
): Promise<PlannedMigration> {
  const schema = all.schemas.get(plugin.name)!;
  const migrations = listMigrations(plugin);
  const locked = readLockedProvider(plugin);
  if (locked && locked !== project.provider) {
    throw new OrchestratorError('PROVIDER_MISMATCH', `Plugin "${plugin.name}": its migrations are for ${locked}, but the project's provider is ${project.provider}.`, {
      fix: `Set ORCHESTRATOR_PROVIDER=${locked} (or "provider" in orchestrator.config.json), or move ${plugin.migrationsDir} away to start a ${project.provider} history.`,
    });
  }
  const previous = readLatestSnapshot(migrations);
  // Models unchanged since the latest migration (most plugins, most runs): nothing to diff.
  if (previous && previous.content === schema.snapshot) return { plugin, name: null, sql: '', snapshot: schema.snapshot };
  const previousPath = previous && path.relative(project.root, previous.path).split(path.sep).join('/');
  const models = all.models.get(plugin.name)!;
  const dependencies = transitiveDependencies(all.plugins, plugin);
  const dependencyNames = new Set(dependencies.flatMap((d) => [...all.models.get(d.name)!.models, ...all.models.get(d.name)!.enums].map((m) => m.name)));
  const ownNames = new Set([...models.models, ...models.enums].map((m) => m.name));
  const knownOwner = (name: string) => (ownNames.has(name) ? 'own' : dependencyNames.has(name) ? 'foreign' : undefined);
  const readBefore = () => readSnapshot(plugin.name, { path: previousPath!, content: previous!.content }, knownOwner);
  // A standalone plugin (no dependencies, no dependents) whose snapshot holds no copies of other
  // plugins' models owns all of it: nothing there is external, and no other plugin's columns or
  // keys stand in the way of its changes. Its snapshot is not parsed here (the engine reads it).
  const standalone = previous !== null && dependencies.length === 0 && dependentsOf(all.plugins, plugin).length === 0 && !holdsDependencyCopies(previous.content);
  const before = previous && !standalone ? readBefore() : undefined;
  const own = { tables: new Set(schema.tables), enums: new Set(schema.enums) };
  if (before) {
    checkEnumChanges(plugin, before.ownEnums, models, all.plugins, all.models);
    checkTableDrops(project.root, plugin, [...before.ownTables].filter((table) => !own.tables.has(table)), all.plugins);
  }
  const derived = !previous && migrations.length > 0 ? await deriver.derive(plugin, migrations) : undefined;
  const previousFiles = previous && [{ path: previousPath!, content: previous.content }];
  // The same isolation both ways: the down script never touches what the up script must not.
  const externals = {
    externalTables: unique([...schema.externalTables, ...(before?.foreignTables ?? []), ...(derived?.externalTables ?? [])]).filter((table) => !own.tables.has(table)),
    externalEnums: unique([...schema.externalEnums, ...(before?.foreignEnums ?? []), ...(derived?.externalEnums ?? [])]).filter((name) => !own.enums.has(name)),
  };
  let sql: string;
  try {
    sql = await engine.diff({ plugin: plugin.name, provider: project.provider, from: derived ? { database: derived.source } : previousFiles, to: schema.files, ...externals });
  } catch (error) {
    // An unparsed snapshot that the engine cannot read: the snapshot's own error says to restore it.
    if (standalone) readBefore();
    throw error;
  } finally {
    await derived?.release();
  }
  const derivedFrom = derived && migrations.at(-1);
  if (sql === '') return { plugin, name: null, sql, snapshot: schema.snapshot, derivedFrom };
  const name = nextMigrationName(migrations, message ?? (migrations.length === 0 ? 'init' : 'update'), now);
  // The reverse, from the new snapshot back to the old one. A first migration goes back to the
  // schema's header alone (no models): the engine then writes unqualified names, as in the up
  // script, where `to: empty` would name the `public` schema even on a tenant's. A previous state
  // derived by replay has no schema to return to: no down script then.
  const downSql = derived ? undefined : await engine.diff({ plugin: plugin.name, provider: project.provider, from: schema.files, to: previousFiles ?? schema.files.slice(0, 1), ...externals });
  return { plugin, name, sql, snapshot: schema.snapshot, derivedFrom, ...(downSql === undefined ? {} : { downSql }) };
}

function union(names: string[], more: string[] | undefined): string[] {
  return more ? [...new Set([...names, ...more])] : names;
}

/** Writes planned migrations (moving in those already staged); called only once every plugin has planned without error. */
export function writePlannedMigrations(project: Project, planned: PlannedMigration[], stage?: MigrationStage): string[] {
  return planned
    .filter((migration) => migration.name !== null)
    .map((migration) => writeMigration(migration.plugin, migration.name!, migration.sql, migration.snapshot, project.provider, migration.downSql, stage?.folderOf(migration)));
}

function unique(names: Iterable<string>): string[] {
  return [...new Set(names)];
}
