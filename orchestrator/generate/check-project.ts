import type { CommandContext } from '../context/command-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { findUngeneratedChanges, type CheckResult } from './find-ungenerated-changes.ts';

/** What check found: `clean` when every selected plugin matches its latest migration. */
export interface CheckReport extends CheckResult {
  clean: boolean;
}

/** The CI gate for models changed without a migration: generate's planning with nothing written; opens no database. */
export async function checkProject(context: CommandContext, _options: object = {}): Promise<CheckReport> {
  const all = discoverPlugins(context.project.pluginsDir);
  const result = await findUngeneratedChanges(context.project, all, selectPlugins(all, context.pluginNames));
  return { clean: result.changes.length === 0, ...result };
}
