import type { Database } from '../database/database.ts';
import type { RoleCatalog } from '../database/plugin-role-store.ts';
import { pluginRoleName, type RoleOptions } from './role-options.ts';
import { requirePluginRoles } from './sync-plugin-roles.ts';

export interface RetiredRole {
  plugin: string;
  role: string;
  /** dropped; kept (it still owns objects, or holds privileges in another database); absent (none, or none managed here: see isManagedHere). */
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

/**
 * Whether roles are managed for a plugin in this schema: its role exists and may CREATE in the
 * schema, as roles grants every plugin role (USAGE alone says nothing: PUBLIC has it on public).
 * A role of that name without it (made for another database of the server, or by hand) is none
 * of this database's business.
 */
export function isManagedHere(catalog: RoleCatalog, role: string): boolean {
  return catalog.roles.has(role) && catalog.schemaPrivileges.get(role)?.has('CREATE') === true;
}

/** retirePluginRole, where roles are managed for the plugin in this schema; else `absent`, and nothing is touched. */
export async function retireManagedPluginRole(db: Database, options: RoleOptions, plugin: string): Promise<RetiredRole> {
  const role = pluginRoleName(options, plugin);
  const managed = isManagedHere(await requirePluginRoles(db).readCatalog([role]), role);
  return managed ? retirePluginRole(db, options, plugin) : { plugin, role, outcome: 'absent' };
}
