import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { isUpToDate, type PluginStatus } from '../status/plugin-status.ts';
import { readPluginStates } from '../status/read-plugin-states.ts';

export interface StatusReport {
  upToDate: boolean;
  text: string;
}

/** `status [plugin...] [--json]`: compares each plugin's migrations folder with its history table. */
export async function statusCommand(project: Project, pluginNames: string[], options: { json?: boolean }): Promise<StatusReport> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames);
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'status' }, async (db) => {
    const { states, removedPlugins } = await readPluginStates(db, plugins, { knownPlugins: allPlugins.map((plugin) => plugin.name), write: false });
    const statuses = states.map((state) => state.status);
    const upToDate = statuses.every(isUpToDate) && removedPlugins.length === 0;
    const text = options.json
      ? JSON.stringify({ database: db.displayUrl, upToDate, plugins: statuses, removedPlugins }, null, 2)
      : [`Database: ${db.displayUrl}`, ...statuses.map(describe), ...removedPlugins.map((name) => `${name}: removed (its history table remains, but plugins/${name} is gone)`)].join('\n');
    return { upToDate, text };
  });
}

function describe(status: PluginStatus): string {
  const lines = [`${status.plugin}: ${isUpToDate(status) ? 'up to date' : 'needs attention'} (${status.applied.length} applied)`];
  for (const name of status.pending) lines.push(`  pending   ${name}${status.rolledBack.includes(name) ? ' (rolled back)' : ''}`);
  for (const failed of status.failed) lines.push(`  failed    ${failed.name}: ${failed.error.split('\n').at(-1)}`);
  for (const name of status.modified) lines.push(`  modified  ${name} (migration.sql changed after it was applied)`);
  for (const name of status.missing) lines.push(`  missing   ${name} (applied, but its folder is gone)`);
  for (const { from, to } of status.renamed) lines.push(`  renamed   ${to} (applied as ${from}; same content)`);
  for (const name of status.outOfOrder) lines.push(`  out of order ${name} (sorts before the newest applied migration)`);
  for (const entry of status.inProgress) lines.push(`  interrupted ${entry.name}: ${entry.stepsDone} step(s) applied; ${entry.error.split('\n')[0]}`);
  return lines.join('\n');
}
