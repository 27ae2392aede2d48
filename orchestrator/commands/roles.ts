import type { CommandContext } from '../context/command-context.ts';
import { rolesProject, type RolesOptions } from '../roles/roles-project.ts';
import { describeRoleChange } from '../roles/sync-plugin-roles.ts';

/** `roles [--role-prefix p] [--references-only] [--json]`: syncs one PostgreSQL role per plugin. */
export async function rolesCommand(context: CommandContext, options: RolesOptions & { json?: boolean }): Promise<string> {
  const { database, schema, roles, changes } = await rolesProject(context, options);
  if (options.json) return JSON.stringify({ database, schema, roles: roles.map(({ plugin, role }) => ({ plugin, role })), changes, changed: changes.length > 0 }, null, 2);
  const lines = roles.map((role) => `${role.plugin}: role ${role.role} owns ${count(role.tables.length, 'table')}${role.enums.length > 0 ? ` and ${count(role.enums.length, 'enum')}` : ''}; ${role.dependencyTables.length > 0 ? `${role.dependencyPrivileges.join(', ')} on ${role.dependencyTables.map((d) => d.table).join(', ')}` : 'no other plugin\'s tables'}`);
  const summary = changes.length === 0
    ? `Roles of ${roles.length} plugin(s) were already up to date on ${database} (schema ${schema}).`
    : `Made ${changes.length} change(s) to the roles of ${roles.length} plugin(s) on ${database} (schema ${schema}).`;
  return [...changes.map((change) => `changed: ${describeRoleChange(change)}`), ...lines, summary].join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
