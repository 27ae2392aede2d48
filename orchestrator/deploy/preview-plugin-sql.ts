import type { CommandContext } from '../context/command-context.ts';
import { withDatabase } from '../database/with-database.ts';
import { OrchestratorError } from '../errors.ts';
import { displayPath } from '../files/project-files.ts';
import { listMigrations } from '../migrations/migrations-folder.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { lazyProjectModel } from './deploy-database.ts';
import { NO_OVERRIDES } from './deploy-overrides.ts';
import { previewDeploy, previewWithoutDatabase, type DeployPreview } from './preview-deploy.ts';
import { readMigrationPlan } from './read-migration-plan.ts';

export interface PluginSqlOptions {
  plugin: string;
  /** One migration folder name, read from disk alone (no database). Default: the plugin's pending migrations on the database. */
  migration?: string;
}

/**
 * The SQL deploy would run for one plugin, with its transaction boundaries. A named migration is
 * read from disk alone (no database; the history writes are left out); without one, the plugin's
 * pending migrations on DATABASE_URL, after deploy's checks, history writes included.
 */
export async function previewPluginSql(context: CommandContext, options: PluginSqlOptions): Promise<DeployPreview> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [options.plugin]);
  if (options.migration === undefined) {
    return withDatabase(project.databaseUrl, project.root, { create: false, command: 'sql' }, (db) => previewDeploy(db, [plugin!], lazyProjectModel(project, allPlugins), NO_OVERRIDES));
  }
  const migrations = listMigrations(plugin!);
  const migration = migrations.find((candidate) => candidate.name === options.migration);
  if (!migration) {
    throw new OrchestratorError('MIGRATION_NOT_FOUND', `Plugin "${plugin!.name}" has no migration ${options.migration} in ${displayPath(plugin!.migrationsDir)}.`, {
      fix: migrations.length > 0 ? `Name one of: ${migrations.map((m) => m.name).join(', ')}.` : `Run generate first; the plugin has no migrations yet.`,
    });
  }
  const plan = await readMigrationPlan(plugin!.name, migration, project.provider);
  return previewWithoutDatabase(project.provider, [{ plugin: plugin!.name, migration, plan }]);
}
