import type { Project } from '../config/load-project.ts';
import type { GateReport } from './gate-report.ts';
import { findUngeneratedChanges } from '../generate/find-ungenerated-changes.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';

/** `check [plugin...] [--json]`: the CI gate for models changed without a migration. Writes nothing, opens no database. */
export async function checkCommand(project: Project, pluginNames: string[], options: { json?: boolean }): Promise<GateReport> {
  const all = discoverPlugins(project.pluginsDir);
  const selected = selectPlugins(all, pluginNames);
  const result = await findUngeneratedChanges(project, all, selected);
  const clean = result.changes.length === 0;
  if (options.json) return { passed: clean, text: JSON.stringify({ clean, ...result }, null, 2) };
  if (clean) return { passed: true, text: `No changes: ${result.checked.length} plugin(s) match their latest migration.` };
  const names = result.changes.map((change) => change.plugin);
  const lines = result.changes.flatMap((change) => [`${change.plugin}: models changed, but no migration was generated; generate would write:`, ...change.summary.map((line) => `  ${line}`)]);
  return { passed: false, text: [...lines, `Run "orchestrator generate ${names.join(' ')}" and commit the migration(s).`].join('\n') };
}
