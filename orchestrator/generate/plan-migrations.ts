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
import { transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { checkRelationTargets } from '../ownership/check-relation-targets.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { composeSchema, type ComposedSchema } from '../schema/compose-schema.ts';
import type { PreviousStateDeriver } from './derive-previous-state.ts';
import { readPluginModels } from '../schema/read-plugin-models.ts';

/** A migration generate has computed but not yet written. */
export interface PlannedMigration {
  plugin: Plugin;
  /** Null when the plugin's models match its latest migration: nothing to write. */
  name: string | null;
  sql: string;
  snapshot: string;
  /** Set when no migration had a snapshot and the previous state was derived by replaying them: the newest of them. */
  derivedFrom?: MigrationOnDisk;
}

/**
 * Composes and validates every plugin's schema. All plugins are read (not only the selected
 * ones) because table ownership is a property of the whole project, and a plugin's schema
 * includes the models of the plugins it depends on.
 */
export function composeAll(project: Project, plugins: Plugin[]): Map<string, ComposedSchema> {
  const models = new Map(plugins.map((plugin) => [plugin.name, readPluginModels(project.root, plugin)]));
  collectOwnership([...models.values()]);
  checkRelationTargets(plugins, [...models.values()]);
  return new Map(
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
}

/**
 * Diffs one plugin from the schema its newest migration left behind (the snapshot beside it)
 * to its models now. Reading the snapshot rather than replaying SQL means a hand-edited
 * migration.sql (a data backfill, say) never changes what the next generate sees, and no
 * database is needed. Only when no migration has a snapshot are they replayed into a scratch
 * database (see derive-previous-state.ts).
 */
export async function planMigration(
  project: Project,
  engine: DiffEngine,
  deriver: PreviousStateDeriver,
  plugin: Plugin,
  schema: ComposedSchema,
  message: string | undefined,
  now: Date,
): Promise<PlannedMigration> {
  const migrations = listMigrations(plugin);
  const locked = readLockedProvider(plugin);
  if (locked && locked !== project.provider) {
    throw new OrchestratorError('PROVIDER_MISMATCH', `Plugin "${plugin.name}": its migrations are for ${locked}, but the project's provider is ${project.provider}.`, {
      fix: `Set ORCHESTRATOR_PROVIDER=${locked} (or "provider" in orchestrator.config.json), or move ${plugin.migrationsDir} away to start a ${project.provider} history.`,
    });
  }
  const previous = readLatestSnapshot(migrations);
  const derived = !previous && migrations.length > 0 ? await deriver.derive(plugin, migrations) : undefined;
  let sql: string;
  try {
    sql = await engine.diff({
      plugin: plugin.name,
      provider: project.provider,
      from: derived ? { database: derived.source } : previous && [{ path: path.relative(project.root, previous.path).split(path.sep).join('/'), content: previous.content }],
      to: schema.files,
      externalTables: union(schema.externalTables, derived?.externalTables),
      externalEnums: union(schema.externalEnums, derived?.externalEnums),
    });
  } finally {
    await derived?.release();
  }
  const derivedFrom = derived && migrations.at(-1);
  if (sql === '') return { plugin, name: null, sql, snapshot: schema.snapshot, derivedFrom };
  const name = nextMigrationName(migrations, message ?? (migrations.length === 0 ? 'init' : 'update'), now);
  return { plugin, name, sql, snapshot: schema.snapshot, derivedFrom };
}

function union(names: string[], more: string[] | undefined): string[] {
  return more ? [...new Set([...names, ...more])] : names;
}

/** Writes planned migrations; called only once every plugin has planned without error. */
export function writePlannedMigrations(project: Project, planned: PlannedMigration[]): string[] {
  return planned
    .filter((migration) => migration.name !== null)
    .map((migration) => writeMigration(migration.plugin, migration.name!, migration.sql, migration.snapshot, project.provider));
}
