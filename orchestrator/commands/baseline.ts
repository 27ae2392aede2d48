import type { Project } from '../config/load-project.ts';
import { recordBaseline } from '../baseline/record-baseline.ts';
import { withDriftContext } from '../drift/with-drift-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';

/** `baseline <plugin> [--json]`: records a plugin's migrations as applied on a database that already holds its tables, once they are verified to match. */
export async function baselineCommand(project: Project, pluginName: string, options: { json?: boolean }): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const [plugin] = selectPlugins(allPlugins, [pluginName]);
  return withDriftContext(project, allPlugins, 'baseline', async (context, db) => {
    const result = await recordBaseline(context, plugin!, allPlugins);
    if (options.json) return JSON.stringify({ database: db.displayUrl, ...result }, null, 2);
    if (result.recorded.length === 0) return `Nothing to baseline: every migration of plugin "${result.plugin}" is already applied on ${db.displayUrl}.`;
    return [
      `Plugin "${result.plugin}": its tables on ${db.displayUrl} match ${result.verifiedAgainst}.`,
      `Recorded ${result.recorded.length} migration(s) as applied without running them (version ${plugin!.version}):`,
      ...result.recorded.map((name) => `  ${name}`),
    ].join('\n');
  });
}
