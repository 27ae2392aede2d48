import type { Project } from '../config/load-project.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import type { Database } from '../database/database.ts';
import type { RoleCatalog, RoleChange } from '../database/plugin-role-store.ts';
import { discoverPlugins } from '../plugins/discover-plugins.ts';
import { planPluginRoles } from './plan-plugin-roles.ts';
import { isManagedHere, retirePluginRole, type RetiredRole } from './retire-plugin-role.ts';
import { pluginRoleName, type DependencyAccess, type RoleOptions } from './role-options.ts';
import { requirePluginRoles, syncPluginRoles } from './sync-plugin-roles.ts';

export interface RenamedRole {
  /** The new name's role, which now owns the plugin's tables, enums and sequences. */
  role: string;
  /** What was created, handed over and granted for it. */
  changes: RoleChange[];
  /** The old name's role. */
  retired: RetiredRole;
}

/**
 * For rename, once the plugin's folder and history carry the new name: where the old name has a
 * role managed in this schema (isManagedHere), the new name's role is created and synced as
 * roles would (the plugin's objects handed to it, its dependencies' tables granted with the
 * access the old role had), then the old role is retired. Null when the old name has no such
 * role: roles are not managed here, and none is created. Call it under the deploy lock.
 */
export async function renamePluginRole(db: Database, project: Project, options: RoleOptions, from: string, to: string): Promise<RenamedRole | null> {
  const oldRole = pluginRoleName(options, from);
  const catalog = await requirePluginRoles(db).readCatalog([oldRole]);
  if (!isManagedHere(catalog, oldRole)) return null;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const ownership = readProjectOwnership(project, allPlugins);
  const [plan] = planPluginRoles(allPlugins, ownership, { ...options, dependencyAccess: accessHeld(catalog, oldRole) }).filter((role) => role.plugin === to);
  const { changes } = await syncPluginRoles(db, [plan!]);
  return { role: plan!.role, changes, retired: await retirePluginRole(db, options, from) };
}

/** REFERENCES only when the old role could point at other tables but read none of them; else SELECT, the default. */
function accessHeld(catalog: RoleCatalog, role: string): DependencyAccess {
  const onOthers = [...(catalog.grants.get(role) ?? new Map())].filter(([table]) => catalog.tables.get(table)?.owner !== role).map(([, privileges]) => privileges);
  return onOthers.length > 0 && !onOthers.some((privileges) => privileges.has('SELECT')) ? 'references' : 'select';
}
