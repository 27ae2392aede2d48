import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { discoverPlugins } from '../plugins/discover-plugins.ts';
import { planPluginRoles } from '../roles/plan-plugin-roles.ts';
import { roleOptions } from '../roles/role-options.ts';
import { describeRoleChange, requirePluginRoles, syncPluginRoles } from '../roles/sync-plugin-roles.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';

export interface RolesCommandOptions {
  rolePrefix?: string;
  referencesOnly?: boolean;
  json?: boolean;
}

/** `roles [--role-prefix p] [--references-only] [--json]`: syncs one PostgreSQL role per plugin. */
export async function rolesCommand(project: Project, options: RolesCommandOptions): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const roles = planPluginRoles(allPlugins, collectOwnership(readProjectModels(project, allPlugins).values()), roleOptions(options));
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'roles' }, async (db) => {
    requirePluginRoles(db);
    // The deploy lock: a deploy of the same schema neither creates tables meanwhile nor runs as a role being changed.
    const result = await db.withDeployLock(() => syncPluginRoles(db, roles));
    if (options.json) return JSON.stringify({ database: db.displayUrl, ...result, changed: result.changes.length > 0 }, null, 2);
    const lines = roles.map((role) => `${role.plugin}: role ${role.role} owns ${count(role.tables.length, 'table')}${role.enums.length > 0 ? ` and ${count(role.enums.length, 'enum')}` : ''}; ${role.dependencyTables.length > 0 ? `${role.dependencyPrivileges.join(', ')} on ${role.dependencyTables.map((d) => d.table).join(', ')}` : 'no other plugin\'s tables'}`);
    const summary = result.changes.length === 0
      ? `Roles of ${roles.length} plugin(s) were already up to date on ${db.displayUrl} (schema ${result.schema}).`
      : `Made ${result.changes.length} change(s) to the roles of ${roles.length} plugin(s) on ${db.displayUrl} (schema ${result.schema}).`;
    return [...result.changes.map((change) => `changed: ${describeRoleChange(change)}`), ...lines, summary].join('\n');
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
