import type { Database } from '../database/database.ts';
import { pluginRoleName, type RoleOptions } from './role-options.ts';
import { requirePluginRoles } from './sync-plugin-roles.ts';

export interface RetiredRole {
  plugin: string;
  role: string;
  /** dropped; kept (it still owns objects, or holds privileges in another database); absent (there was none). */
  outcome: 'dropped' | 'kept' | 'absent';
}

/**
 * For uninstall and rename: once a plugin's tables are dropped (uninstall) or handed to the new
 * name's role by syncPluginRoles with the renamed plugin (rename), its old role gives up what it
 * holds in this schema and is dropped when nothing else depends on it. Call it under the deploy
 * lock, after the plugin's tables are gone or handed over.
 */
export async function retirePluginRole(db: Database, options: RoleOptions, plugin: string): Promise<RetiredRole> {
  const role = pluginRoleName(options, plugin);
  return { plugin, role, outcome: await requirePluginRoles(db).retireRole(role) };
}
