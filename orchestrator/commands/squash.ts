import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { createDiffEngine, type DiffEngineKind } from '../engine/create-diff-engine.ts';
import { squashPlugin } from '../lifecycle/squash-plugin.ts';
import { MIGRATION_FILE } from '../migrations/migrations-folder.ts';
import { REPLACES_FILE } from '../migrations/replaces-file.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';

export interface SquashOptions {
  name?: string;
  engine?: DiffEngineKind;
  json?: boolean;
}

/** `squash <plugin> [--name <message>]`: the plugin's migrations become one (needs no database). */
export async function squashCommand(project: Project, pluginName: string, options: SquashOptions): Promise<string> {
  const [plugin] = selectPlugins(discoverPlugins(project.pluginsDir), [pluginName]);
  const engine = await createDiffEngine(options.engine ?? 'wasm');
  let result;
  try {
    result = await squashPlugin(project, engine, plugin!, options.name);
  } finally {
    await engine.close();
  }
  const dir = result.dir && path.relative(project.root, result.dir);
  if (options.json) return JSON.stringify({ ...result, dir }, null, 2);
  if (result.name === null) return `Nothing to squash: plugin "${pluginName}" has ${result.replaced.length} migration(s).`;
  return [
    `Squashed ${result.replaced.length} migration(s) of plugin "${pluginName}" into ${result.name}:`,
    `  ${dir}/${MIGRATION_FILE}`,
    `  ${dir}/${REPLACES_FILE} (replaces ${result.replaced.join(', ')})`,
    'A database that applied all of them records it at the next deploy without running it; a fresh one runs it.',
  ].join('\n');
}
