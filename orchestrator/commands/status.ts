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
  const plugins = selectPlugins(discoverPlugins(project.pluginsDir), pluginNames);
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'status' }, async (db) => {
    const statuses = (await readPluginStates(db, plugins)).map((state) => state.status);
    const upToDate = statuses.every(isUpToDate);
    const text = options.json
      ? JSON.stringify({ database: db.displayUrl, upToDate, plugins: statuses }, null, 2)
      : [`Database: ${db.displayUrl}`, ...statuses.map(describe)].join('\n');
    return { upToDate, text };
  });
}

function describe(status: PluginStatus): string {
  const lines = [`${status.plugin}: ${isUpToDate(status) ? 'up to date' : 'needs attention'} (${status.applied.length} applied)`];
  for (const name of status.pending) lines.push(`  pending   ${name}`);
  for (const failed of status.failed) lines.push(`  failed    ${failed.name}: ${failed.error.split('\n').at(-1)}`);
  for (const name of status.modified) lines.push(`  modified  ${name} (migration.sql changed after it was applied)`);
  for (const name of status.missing) lines.push(`  missing   ${name} (applied, but its folder is gone)`);
  return lines.join('\n');
}
