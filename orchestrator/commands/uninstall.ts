import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { planUninstall, type UninstallPlan } from '../lifecycle/plan-uninstall.ts';
import { uninstallPlugin } from '../lifecycle/uninstall-plugin.ts';
import { discoverPlugins } from '../plugins/discover-plugins.ts';
import { confirmDataLoss } from '../ui/confirm.ts';

export interface UninstallOptions {
  yes?: boolean;
  json?: boolean;
}

/**
 * `uninstall <plugin> [--yes] [--json]`: drops the plugin's tables, enums and history table in
 * one transaction, after the data-loss confirmation. Works for a plugin removed from the code
 * too (then only its history table is known to be its own).
 */
export async function uninstallCommand(project: Project, name: string, options: UninstallOptions): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'uninstall' }, async (db) => {
    const plan = await planUninstall(db, project, allPlugins, name);
    await confirmDataLoss({ summary: describePlan(plan, db.displayUrl), ...(options.yes ? { yes: true } : {}) });
    const done = await uninstallPlugin(db, project, allPlugins, plan);
    if (options.json) return JSON.stringify({ database: db.displayUrl, uninstalled: done }, null, 2);
    const objects = `${done.tables.length} table(s), ${done.enums.length} enum(s) and its history table`;
    const after = done.inCode
      ? `\nRemove plugins/${name} from the code (and "${name}" from other plugins' dependsOn), or the next deploy installs it again.`
      : `\n${leftAlone(done)}`;
    return `Uninstalled plugin "${name}" from ${db.displayUrl}: dropped ${objects}.${after}`;
  });
}

function describePlan(plan: UninstallPlan, displayUrl: string): string {
  const lines = [`Uninstalling plugin "${plan.plugin}" from ${displayUrl} drops:`];
  for (const table of plan.tables) lines.push(`  table         ${table.name} (${table.rows} row(s))`);
  for (const type of plan.enums) lines.push(`  enum          ${type}`);
  lines.push(`  history table ${plan.historyTable} (${plan.appliedMigrations} applied migration(s))`);
  if (!plan.inCode) lines.push(leftAlone(plan));
  return lines.join('\n');
}

/** A plugin gone from the code: what is known, and which tables may have been its own. */
function leftAlone(plan: UninstallPlan): string {
  const lines = [`plugins/${plan.plugin} is gone, so which tables the plugin owned cannot be known (its history records migration names, not its schema): only its history table is dropped.`];
  if (plan.unclaimedTables.length > 0) lines.push(`Tables no plugin in the code owns, left alone (drop by hand those that were "${plan.plugin}"'s, or restore plugins/${plan.plugin} from version control and uninstall it first): ${plan.unclaimedTables.join(', ')}`);
  return lines.join('\n');
}
