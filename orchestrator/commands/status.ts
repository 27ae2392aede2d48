import type { CommandContext } from '../context/command-context.ts';
import { isUpToDate, type PluginStatus } from '../status/plugin-status.ts';
import { statusProject } from '../status/status-project.ts';

export interface StatusText {
  upToDate: boolean;
  text: string;
}

/** `status [plugin...] [--json]`: compares each plugin's migrations folder with its history table. */
export async function statusCommand(context: CommandContext, options: { json?: boolean }): Promise<StatusText> {
  const report = await statusProject(context);
  const text = options.json
    ? JSON.stringify(report, null, 2)
    : [`Database: ${report.database}`, ...report.plugins.map(describe), ...report.removedPlugins.map((name) => `${name}: removed (its history table remains, but plugins/${name} is gone: uninstall ${name}, or rename ${name} <new name>)`)].join('\n');
  return { upToDate: report.upToDate, text };
}

function describe(status: PluginStatus): string {
  const lines = [`${status.plugin}: ${isUpToDate(status) ? 'up to date' : 'needs attention'} (${status.applied.length} applied${describeVersion(status)})`];
  for (const name of status.pending) lines.push(`  pending   ${name}${status.rolledBack.includes(name) ? ' (rolled back)' : ''}`);
  for (const failed of status.failed) lines.push(`  failed    ${failed.name}: ${failed.error.split('\n').at(-1)}`);
  for (const name of status.modified) lines.push(`  modified  ${name} (migration.sql changed after it was applied)`);
  for (const name of status.missing) lines.push(`  missing   ${name} (applied, but its folder is gone)`);
  for (const { from, to } of status.renamed) lines.push(`  renamed   ${to} (applied as ${from}; same content)`);
  for (const name of status.outOfOrder) lines.push(`  out of order ${name} (sorts before the newest applied migration)`);
  for (const squash of status.squashedToRecord) lines.push(`  squashed  ${squash.name} (replaces ${squash.replaces.length} applied migration(s); deploy records it without running it)`);
  for (const squash of status.partlySquashed) lines.push(`  partly squashed ${squash.name}: replaces ${squash.notApplied.join(', ')}, not applied here (deploy them first, from the code before the squash)`);
  for (const entry of status.inProgress) lines.push(`  interrupted ${entry.name}: ${entry.stepsDone} step(s) applied; ${entry.error.split('\n')[0]}`);
  return lines.join('\n');
}

/** Which version of the plugin the database holds, and the code's when it differs. */
function describeVersion(status: PluginStatus): string {
  if (status.applied.length === 0) return '';
  const held = status.databaseVersion === null ? 'version not recorded' : `version ${status.databaseVersion}`;
  const code = status.codeVersion !== undefined && status.codeVersion !== status.databaseVersion ? `; plugin.json says ${status.codeVersion}` : '';
  return `, ${held}${code}`;
}
