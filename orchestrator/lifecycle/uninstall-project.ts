import type { CommandContext } from '../context/command-context.ts';
import { reportLockWaits } from '../context/progress-event.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins } from '../plugins/discover-plugins.ts';
import type { RetiredRole } from '../roles/retire-plugin-role.ts';
import { roleOptions } from '../roles/role-options.ts';
import { planUninstall, type UninstallPlan } from './plan-uninstall.ts';
import { uninstallPlugin } from './uninstall-plugin.ts';

export interface UninstallOptions {
  /** The plugin to remove from the database (it may already be gone from plugins/). */
  plugin: string;
  /** Confirms the data loss without asking (from code, required unless a `confirm` function is given). */
  yes?: boolean;
  /** PostgreSQL: the plugin's role is `<rolePrefix><plugin>`. Default: ORCHESTRATOR_ROLE_PREFIX, else plugin_. */
  rolePrefix?: string;
}

export interface UninstallReport {
  /** The database, with any password hidden. */
  database: string;
  /** What was dropped: tables (with their rows), enums, the history table. */
  uninstalled: UninstallPlan;
  /** PostgreSQL: the plugin's role, dropped (or `absent`: roles were never managed); null on SQLite, which has no roles. */
  role: RetiredRole | null;
}

/**
 * Drops everything a plugin owns in the database (tables, enums, join tables, history table) in
 * one transaction, after context.confirm was shown what is lost; refused while an installed
 * plugin depends on it. Where roles exist, the plugin's role is dropped after its tables.
 */
export async function uninstallProject(context: CommandContext, options: UninstallOptions): Promise<UninstallReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const roles = roleOptions(options, context.env);
  const lock = reportLockWaits(context.progress, 'uninstall');
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'uninstall', lock }, async (db) => {
    const plan = await planUninstall(db, project, allPlugins, options.plugin);
    await context.confirm({ summary: describeUninstall(plan, db.displayUrl), yes: options.yes === true });
    const done = await uninstallPlugin(db, project, allPlugins, plan, roles);
    return { database: db.displayUrl, uninstalled: done.plan, role: done.role };
  });
}

/** What the confirmation shows: every object dropped, with its rows. */
function describeUninstall(plan: UninstallPlan, displayUrl: string): string {
  const lines = [`Uninstalling plugin "${plan.plugin}" from ${displayUrl} drops:`];
  for (const table of plan.tables) lines.push(`  table         ${table.name} (${table.rows} row(s))`);
  for (const type of plan.enums) lines.push(`  enum          ${type}`);
  lines.push(`  history table ${plan.historyTable} (${plan.appliedMigrations} applied migration(s))`);
  if (!plan.inCode) lines.push(describeLeftAlone(plan));
  return lines.join('\n');
}

/** A plugin gone from the code: what is known, and which tables may have been its own. */
export function describeLeftAlone(plan: UninstallPlan): string {
  const lines = [`plugins/${plan.plugin} is gone, so which tables the plugin owned cannot be known (its history records migration names, not its schema): only its history table is dropped.`];
  if (plan.unclaimedTables.length > 0) lines.push(`Tables no plugin in the code owns, left alone (drop by hand those that were "${plan.plugin}"'s, or restore plugins/${plan.plugin} from version control and uninstall it first): ${plan.unclaimedTables.join(', ')}`);
  return lines.join('\n');
}
