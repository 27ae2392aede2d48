import type { CommandContext } from '../context/command-context.ts';
import { renameProject, type RenameOptions } from '../lifecycle/rename-project.ts';
import { historyTableName } from '../plugins/plugin.ts';
import { describeRoleChange } from '../roles/sync-plugin-roles.ts';
import { describeRetiredRole } from './uninstall.ts';

/** `rename <from> <to> [--json]`: renames a plugin's folder and its history table together, so it is not installed again from scratch. */
export async function renameCommand(context: CommandContext, options: RenameOptions & { json?: boolean }): Promise<string> {
  const report = await renameProject(context, options);
  if (options.json) return JSON.stringify(report, null, 2);
  const { from, to, database } = report;
  const lines = [
    report.folder === 'moved' ? `Renamed plugins/${from} to plugins/${to}.` : `plugins/${to} was already renamed; left as is.`,
    ...report.manifests.map((file) => `Updated ${file}.`),
    report.history === 'renamed'
      ? `Renamed the history table ${historyTableName(from)} to ${historyTableName(to)} on ${database}: deploy applies nothing again.`
      : `${database} holds no history of "${from}" (not installed there): nothing to rename in it.`,
    ...(report.role ? [...report.role.changes.map((change) => `roles: ${describeRoleChange(change)}`), describeRetiredRole(report.role.retired).trimStart()].filter(Boolean) : []),
    `Run this command against every other database that holds "${from}" (set DATABASE_URL); there only the history table is renamed.`,
  ];
  return lines.join('\n');
}
