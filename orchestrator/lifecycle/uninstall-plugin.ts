import type { Project } from '../config/load-project.ts';
import { classifyDatabaseError, describeDatabaseError } from '../database/classify-database-error.ts';
import type { Database } from '../database/database.ts';
import { OrchestratorError } from '../errors.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { retireManagedPluginRole, type RetiredRole } from '../roles/retire-plugin-role.ts';
import type { RoleOptions } from '../roles/role-options.ts';
import { previewStatement } from '../sql/sql-text.ts';
import { planUninstall, type UninstallPlan } from './plan-uninstall.ts';

export interface Uninstalled {
  /** What was dropped. */
  plan: UninstallPlan;
  /** Where the database has roles (PostgreSQL): what became of the plugin's role. Null where it has none (SQLite). */
  role: RetiredRole | null;
}

/**
 * Drops what `confirmed` lists (planUninstall), in one transaction under the deploy lock, so a
 * concurrent deploy never sees half a plugin. The plan is read again under the lock: if the
 * database changed since the user confirmed, nothing is dropped. Then, still under the lock, the
 * plugin's role (roles, deploy --manage-roles) is retired with it: it owns nothing any more.
 */
export async function uninstallPlugin(db: Database, project: Project, allPlugins: Plugin[], confirmed: UninstallPlan, roles: RoleOptions): Promise<Uninstalled> {
  return db.withDeployLock(async () => {
    const dropped = await db.transaction(async (tx) => {
      const plan = await planUninstall(db, project, allPlugins, confirmed.plugin);
      if (objectsOf(plan) !== objectsOf(confirmed)) {
        throw new OrchestratorError('CONFIRMATION_REQUIRED', `What uninstalling plugin "${plan.plugin}" would drop changed since it was confirmed (another process changed ${db.displayUrl}). Nothing was dropped.`, {
          fix: 'Run uninstall again and review the new summary.',
        });
      }
      const statements = db.dropObjectsSql({ tables: [...plan.tables.map((table) => table.name), plan.historyTable], enums: plan.enums });
      for (const sql of statements) {
        try {
          await tx.execute(sql);
        } catch (error) {
          throw classifyDatabaseError(error, { displayUrl: db.displayUrl }) ?? new OrchestratorError('UNINSTALL_FAILED', `Uninstalling plugin "${plan.plugin}" failed on ${db.displayUrl}; the transaction was rolled back, nothing was dropped.\n  ${previewStatement(sql)}\nDatabase error: ${describeDatabaseError(error)}`, {
            fix: 'Something outside the plugins depends on its objects (a view, a column of its enum type, a trigger): remove that first, then run uninstall again.',
            cause: error,
          });
        }
      }
      return plan;
    });
    return { plan: dropped, role: db.pluginRoles ? await retireManagedPluginRole(db, roles, dropped.plugin) : null };
  });
}

/** The objects a plan drops, comparable as one string. */
function objectsOf(plan: UninstallPlan): string {
  return JSON.stringify([plan.tables.map((table) => table.name).sort(), [...plan.enums].sort(), plan.historyTable]);
}
