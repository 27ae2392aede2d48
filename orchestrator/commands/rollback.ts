import type { CommandContext } from '../context/command-context.ts';
import { rollbackProject, type RollbackOptions } from '../rollback/rollback-project.ts';

/** `rollback <plugin> [--to <migration> | --steps N] [--yes]`: undoes applied migrations with their down.sql. Returns what to print. */
export async function rollbackCommand(context: CommandContext, options: RollbackOptions & { json?: boolean }): Promise<string> {
  const report = await rollbackProject(context, options);
  if (options.json) return JSON.stringify(report, null, 2);
  if (report.rolledBack.length === 0) return `Nothing to roll back: plugin "${report.plugin}" has no applied migration after ${options.to}.`;
  return `Rolled back ${report.rolledBack.length} migration(s) of plugin "${report.plugin}" on ${report.database}:\n${report.rolledBack.map((name) => `  ${name}`).join('\n')}\nDeploy applies ${report.rolledBack.length === 1 ? "it" : "them"} again.`;
}
