import path from 'node:path';
import type { CommandContext } from '../context/command-context.ts';
import { createDiffEngine, type DiffEngineKind } from '../engine/create-diff-engine.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { squashPlugin, type SquashResult } from './squash-plugin.ts';

export interface SquashOptions {
  plugin: string;
  /** Migration name, as in <timestamp>_<name> (default: squashed). */
  name?: string;
  /** The diff engine, as for generate (default wasm). */
  engine?: DiffEngineKind;
}

/** What squash did; `dir` is relative to the project root. */
export type SquashReport = SquashResult;

/** Replaces a plugin's migrations with one that creates the schema they leave behind (needs no database). */
export async function squashProject(context: CommandContext, options: SquashOptions): Promise<SquashReport> {
  const [plugin] = selectPlugins(discoverPlugins(context.project.pluginsDir), [options.plugin]);
  const engine = await createDiffEngine(options.engine ?? 'wasm');
  try {
    const result = await squashPlugin(context.project, engine, plugin!, options.name);
    return result.dir === undefined ? result : { ...result, dir: path.relative(context.project.root, result.dir) };
  } finally {
    await engine.close();
  }
}
