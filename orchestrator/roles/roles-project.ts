import type { CommandContext } from '../context/command-context.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import { withDatabase } from '../database/with-database.ts';
import type { RoleChange } from '../database/plugin-role-store.ts';
import { discoverPlugins } from '../plugins/discover-plugins.ts';
import { planPluginRoles, type PluginRole } from './plan-plugin-roles.ts';
import { roleOptions } from './role-options.ts';
import { requirePluginRoles, syncPluginRoles } from './sync-plugin-roles.ts';

export interface RolesOptions {
  /** Role names are `<rolePrefix><plugin>`. Default: ORCHESTRATOR_ROLE_PREFIX, else plugin_. */
  rolePrefix?: string;
  /** REFERENCES on the dependencies' tables, without SELECT. */
  referencesOnly?: boolean;
}

export interface RolesReport {
  /** The database, with any password hidden. */
  database: string;
  /** The schema whose tables the roles own and read. */
  schema: string;
  /** Every plugin's role as it now stands: what it owns and what it may read. */
  roles: PluginRole[];
  /** Every change made, in order; empty when the roles were already up to date. */
  changes: RoleChange[];
}

/** PostgreSQL only: brings one NOLOGIN role per plugin to the plan (idempotent), under the deploy lock; refuses on SQLite (ROLES_UNSUPPORTED). */
export async function rolesProject(context: CommandContext, options: RolesOptions): Promise<RolesReport> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const roles = planPluginRoles(allPlugins, readProjectOwnership(project, allPlugins), roleOptions(options, context.env));
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'roles' }, async (db) => {
    requirePluginRoles(db);
    // The deploy lock: a deploy of the same schema neither creates tables meanwhile nor runs as a role being changed.
    const result = await db.withDeployLock(() => syncPluginRoles(db, roles));
    return { database: db.displayUrl, schema: result.schema, roles, changes: result.changes };
  });
}
