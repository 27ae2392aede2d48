import type { CommandContext } from '../context/command-context.ts';
import { describeLeftAlone, uninstallProject, type UninstallOptions } from '../lifecycle/uninstall-project.ts';
import type { RetiredRole } from '../roles/retire-plugin-role.ts';

/**
 * `uninstall <plugin> [--yes] [--json]`: drops the plugin's tables, enums and history table in
 * one transaction, after the data-loss confirmation. Works for a plugin removed from the code
 * too (then only its history table is known to be its own).
 */
export async function uninstallCommand(context: CommandContext, options: UninstallOptions & { json?: boolean }): Promise<string> {
  const report = await uninstallProject(context, options);
  if (options.json) return JSON.stringify(report, null, 2);
  const done = report.uninstalled;
  const objects = `${done.tables.length} table(s), ${done.enums.length} enum(s) and its history table`;
  const after = done.inCode
    ? `\nRemove plugins/${done.plugin} from the code (and "${done.plugin}" from other plugins' dependsOn), or the next deploy installs it again.`
    : `\n${describeLeftAlone(done)}`;
  return `Uninstalled plugin "${done.plugin}" from ${report.database}: dropped ${objects}.${describeRetiredRole(report.role)}${after}`;
}

/** The plugin's role, when there was one: a line after the summary. */
export function describeRetiredRole(role: RetiredRole | null): string {
  if (role === null) return '';
  switch (role.outcome) {
    case 'absent':
      return '';
    case 'dropped':
      return `\nDropped role ${role.role}.`;
    case 'kept':
      return `\nKept role ${role.role}: it still owns objects or holds privileges elsewhere (another schema or database of the server).`;
    default:
      return role.outcome satisfies never;
  }
}
