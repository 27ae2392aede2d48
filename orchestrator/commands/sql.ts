import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { NO_OVERRIDES } from '../deploy/deploy-overrides.ts';
import { formatPreview, previewDeploy, previewWithoutDatabase, type DeployPreview } from '../deploy/preview-deploy.ts';
import { readMigrationPlan } from '../deploy/read-migration-plan.ts';
import { OrchestratorError } from '../errors.ts';
import { displayPath } from '../files/project-files.ts';
import { listMigrations } from '../migrations/migrations-folder.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { lazyProjectModel } from '../deploy/deploy-database.ts';

/**
 * `sql <plugin> [migration] [--json]`: the SQL deploy would run for one plugin, with its
 * transaction boundaries. A named migration is read from disk alone (no database; the history
 * writes are left out); without one, the plugin's pending migrations on DATABASE_URL, after
 * deploy's checks, history writes included.
 */
export async function sqlCommand(project: Project, pluginName: string, migrationName: string | undefined, options: { json?: boolean }): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [pluginName]);
  let preview: DeployPreview;
  if (migrationName !== undefined) {
    const migrations = listMigrations(plugin!);
    const migration = migrations.find((candidate) => candidate.name === migrationName);
    if (!migration) {
      throw new OrchestratorError('MIGRATION_NOT_FOUND', `Plugin "${plugin!.name}" has no migration ${migrationName} in ${displayPath(plugin!.migrationsDir)}.`, {
        fix: migrations.length > 0 ? `Name one of: ${migrations.map((m) => m.name).join(', ')}.` : `Run generate first; the plugin has no migrations yet.`,
      });
    }
    const plan = await readMigrationPlan(plugin!.name, migration, project.provider);
    preview = previewWithoutDatabase(project.provider, [{ plugin: plugin!.name, migration, plan }]);
  } else {
    preview = await withDatabase(project.databaseUrl, project.root, { create: false, command: 'sql' }, (db) => previewDeploy(db, [plugin!], lazyProjectModel(project, allPlugins), NO_OVERRIDES));
  }
  return options.json ? JSON.stringify(preview, null, 2) : formatPreview(preview);
}
