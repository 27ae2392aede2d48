import type { CommandContext } from '../context/command-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readPluginStates } from '../status/read-plugin-states.ts';
import { detectDrift, type PluginDrift } from './detect-drift.ts';
import { withDriftContext } from './with-drift-context.ts';

export interface DriftReport {
  /** The database, with any password hidden. */
  database: string;
  /** No selected plugin drifted, and each could be judged. */
  clean: boolean;
  plugins: PluginDrift[];
}

/** Each selected plugin's own objects in the live database against what its applied migrations leave. Opens the database read-only; writes nothing. */
export async function driftProject(context: CommandContext, _options: object = {}): Promise<DriftReport> {
  const allPlugins = discoverPlugins(context.project.pluginsDir);
  const plugins = selectPlugins(allPlugins, context.pluginNames);
  return withDriftContext(context.project, allPlugins, 'drift', async (drift, db) => {
    const { states } = await readPluginStates(db, plugins, { knownPlugins: allPlugins.map((plugin) => plugin.name), write: false });
    const results: PluginDrift[] = [];
    for (const state of states) results.push(await detectDrift(drift, state));
    return { database: db.displayUrl, clean: results.every((result) => result.drift === 'none'), plugins: results };
  });
}
