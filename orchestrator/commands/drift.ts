import type { Project } from '../config/load-project.ts';
import type { GateReport } from './gate-report.ts';
import { detectDrift, type PluginDrift } from '../drift/detect-drift.ts';
import { withDriftContext } from '../drift/with-drift-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readPluginStates } from '../status/read-plugin-states.ts';

/** `drift [plugin...] [--json]`: the live database's own objects of each plugin against what its applied migrations leave. Writes nothing. */
export async function driftCommand(project: Project, pluginNames: string[], options: { json?: boolean }): Promise<GateReport> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames);
  return withDriftContext(project, allPlugins, 'drift', async (context, db) => {
    const { states } = await readPluginStates(db, plugins, { knownPlugins: allPlugins.map((plugin) => plugin.name), write: false });
    const results: PluginDrift[] = [];
    for (const state of states) results.push(await detectDrift(context, state));
    const clean = results.every((result) => result.drift === 'none');
    const text = options.json
      ? JSON.stringify({ database: db.displayUrl, clean, plugins: results }, null, 2)
      : [`Database: ${db.displayUrl}`, ...results.map(describe)].join('\n');
    return { passed: clean, text };
  });
}

function describe(result: PluginDrift): string {
  const pending = result.pending > 0 ? `; ${result.pending} pending migration(s) not counted` : '';
  switch (result.drift) {
    case 'none':
      return `${result.plugin}: no drift (matches ${result.expected}${pending})`;
    case 'unknown':
      return `${result.plugin}: cannot judge drift: ${result.reason}`;
    case 'drift':
      return [`${result.plugin}: drift (differs from ${result.expected}${pending}); SQL that would restore it:`, ...result.sql.trimEnd().split('\n').map((line) => `  ${line}`)].join('\n');
    default:
      throw new Error(`Unknown drift state: ${String(result.drift satisfies never)}`);
  }
}
