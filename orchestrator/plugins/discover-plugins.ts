import { existsSync } from 'node:fs';
import path from 'node:path';
import { readJsonObject } from '../config/read-json-object.ts';
import { OrchestratorError, quoteForMessage } from '../errors.ts';
import { isProjectFolder, listProjectFolder } from '../files/project-files.ts';
import { orderByDependencies, transitiveDependencies } from './dependency-order.ts';
import { MANIFEST_FILE, migrationsDirOf, type Plugin } from './plugin.ts';

/**
 * Plugin names become part of SQL identifiers (`_prisma_migrations_<name>`), so they are kept
 * to characters every database accepts unquoted, and short enough for PostgreSQL's 63-byte limit.
 */
const PLUGIN_NAME = /^[a-z][a-z0-9_]{0,43}$/;

/** Whether `name` may name a plugin (its folder, and its history table). */
export function isValidPluginName(name: string): boolean {
  return PLUGIN_NAME.test(name);
}

/**
 * Finds every plugin folder (one holding `plugin.json`) under `pluginsDir`, in dependency order:
 * each plugin after the plugins it depends on, otherwise by name.
 */
export function discoverPlugins(pluginsDir: string): Plugin[] {
  if (!existsSync(pluginsDir)) {
    throw new OrchestratorError('PLUGIN_NOT_FOUND', `The plugins folder ${pluginsDir} does not exist.`, {
      fix: 'Create it with one folder per plugin, or set "pluginsDir" in orchestrator.config.json.',
    });
  }
  const plugins = listProjectFolder(pluginsDir, 'PLUGIN_NOT_FOUND')
    .filter((entry) => !entry.startsWith('.') && isProjectFolder(path.join(pluginsDir, entry), 'PLUGIN_MANIFEST_INVALID'))
    .map((entry) => readPlugin(path.join(pluginsDir, entry)));
  return orderByDependencies(plugins);
}

/**
 * Keeps the named plugins (all when `names` is empty), in dependency order; an unknown name is
 * an error listing the known ones. With `withDependencies`, the plugins they depend on come too:
 * deploying a plugin first brings its dependencies up to date, since its foreign keys need their tables.
 */
export function selectPlugins(plugins: Plugin[], names: string[], options: { withDependencies?: boolean } = {}): Plugin[] {
  if (names.length === 0) return plugins;
  const known = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new OrchestratorError('PLUGIN_NOT_FOUND', `Unknown plugin${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, {
      fix: `Known plugins: ${[...known.keys()].join(', ') || '(none)'}. Each plugin is a folder under plugins/ with a ${MANIFEST_FILE}.`,
    });
  }
  const wanted = new Set(names);
  if (options.withDependencies) {
    for (const name of names) for (const dependency of transitiveDependencies(plugins, known.get(name)!)) wanted.add(dependency.name);
  }
  return plugins.filter((plugin) => wanted.has(plugin.name));
}

function readPlugin(dir: string): Plugin {
  const folder = path.basename(dir);
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugin folder ${dir} has no ${MANIFEST_FILE}.`, {
      fix: `Add ${manifestPath} with at least {"version": "1.0.0"}, or move the folder out of the plugins folder.`,
    });
  }
  if (!isValidPluginName(folder)) {
    throw new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugin folder name ${quoteForMessage(folder)} (${dir}) is not a valid plugin name.`, {
      fix: 'Rename the folder: a lowercase letter, then lowercase letters, digits or "_", at most 44 characters.',
    });
  }
  const manifest = readJsonObject(manifestPath, 'PLUGIN_MANIFEST_INVALID', '{"version": "1.0.0", "dependsOn": []}');
  const invalid = (detail: string, fix: string) =>
    new OrchestratorError('PLUGIN_MANIFEST_INVALID', `Plugin "${folder}": ${manifestPath} ${detail}.`, { fix });

  if (manifest.name !== undefined && manifest.name !== folder) {
    throw invalid(`says "name": ${quoteForMessage(manifest.name)} but the folder is "${folder}"`, `Make them equal, or drop "name" from the manifest.`);
  }
  if (typeof manifest.version !== 'string' || manifest.version.trim() === '') {
    throw invalid('has no "version" string', 'Add "version": "1.0.0" (any non-empty string).');
  }
  const dependsOn = manifest.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || dependsOn.some((dep) => typeof dep !== 'string')) {
    throw invalid('has a "dependsOn" that is not a list of plugin names', 'Write it as "dependsOn": ["core"].');
  }
  const modelFiles = listProjectFolder(dir, 'PLUGIN_MODELS_INVALID')
    .filter((file) => file.endsWith('.prisma'))
    .map((file) => path.join(dir, file));
  if (modelFiles.length === 0) {
    throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${folder}" has no *.prisma file in ${dir}.`, {
      fix: 'Add a models.prisma with the plugin\'s model and enum blocks.',
    });
  }
  return {
    name: folder,
    version: manifest.version,
    dependsOn: dependsOn as string[],
    dir,
    modelFiles,
    migrationsDir: migrationsDirOf(dir),
  };
}
