import type { Database } from '../database/database.ts';
import type { PluginRoleStore, RoleCatalog, RoleChange, TablePrivilege } from '../database/plugin-role-store.ts';
import { OrchestratorError } from '../errors.ts';
import type { PluginRole } from './plan-plugin-roles.ts';

/** What a sync found and did. */
export interface RoleSyncResult {
  /** The schema whose tables the roles own and read. */
  schema: string;
  roles: { plugin: string; role: string }[];
  /** Every change made, in the order made; empty when the roles were already as planned. */
  changes: RoleChange[];
}

/**
 * The database's store of roles, or a refusal that says why there is none: SQLite has no roles,
 * and there the SQL check of deploy remains the only guard.
 */
export function requirePluginRoles(db: Database): PluginRoleStore {
  if (db.pluginRoles) return db.pluginRoles;
  throw new OrchestratorError('ROLES_UNSUPPORTED', `${db.displayUrl} is a ${db.provider} database, which has no roles: a role per plugin exists only on PostgreSQL. Nothing was changed.`, {
    fix: 'Run roles (or deploy --manage-roles) against a PostgreSQL DATABASE_URL. On SQLite, deploy\'s SQL check of each migration is the guard between plugins.',
  });
}

/**
 * Brings the plugin roles to the plan (plan-plugin-roles.ts): creates missing roles, hands each
 * plugin's tables, enums and sequences to its role, grants what the dependencies allow and
 * revokes every other table privilege the roles hold in the schema. Idempotent: a second run
 * changes nothing. Refuses, before changing anything, when the connected user lacks a privilege
 * a change needs, naming each.
 */
export async function syncPluginRoles(db: Database, roles: PluginRole[]): Promise<RoleSyncResult> {
  const store = requirePluginRoles(db);
  const catalog = await store.readCatalog(roles.map((role) => role.role));
  const changes = diffRoles(catalog, roles);
  refuseWithoutPrivileges(catalog, changes, db.displayUrl, store.schema);
  if (changes.length > 0) await store.apply(changes);
  return { schema: store.schema, roles: roles.map(({ plugin, role }) => ({ plugin, role })), changes };
}

/** The changes, in the order they must run: roles first, then what the roles may do. */
export function diffRoles(catalog: RoleCatalog, roles: PluginRole[]): RoleChange[] {
  const created: RoleChange[] = [];
  const members: RoleChange[] = [];
  const schema: RoleChange[] = [];
  const owners: RoleChange[] = [];
  const grants: RoleChange[] = [];
  for (const plan of roles) {
    const existing = catalog.roles.get(plan.role);
    if (!existing) created.push({ kind: 'create-role', role: plan.role });
    // A superuser may SET ROLE to any role; anyone else must be a member.
    if (!catalog.superuser && !existing?.member) members.push({ kind: 'grant-membership', role: plan.role, to: catalog.currentUser });
    const held = catalog.schemaPrivileges.get(plan.role) ?? new Set();
    const missing = (['USAGE', 'CREATE'] as const).filter((privilege) => !held.has(privilege));
    if (missing.length > 0) schema.push({ kind: 'grant-schema', role: plan.role, privileges: missing });

    const handedOver = new Set<string>();
    for (const table of plan.tables) {
      const current = catalog.tables.get(table);
      if (current && current.owner !== plan.role) {
        owners.push({ kind: 'alter-owner', object: 'table', name: table, from: current.owner, to: plan.role });
        handedOver.add(table); // PostgreSQL hands its owned sequences over with it
      }
    }
    for (const [name, sequence] of catalog.sequences) {
      if (plan.tables.includes(sequence.table) && !handedOver.has(sequence.table) && sequence.owner !== plan.role) owners.push({ kind: 'alter-owner', object: 'sequence', name, from: sequence.owner, to: plan.role });
    }
    for (const name of plan.enums) {
      const current = catalog.types.get(name);
      if (current && current.owner !== plan.role) owners.push({ kind: 'alter-owner', object: 'type', name, from: current.owner, to: plan.role });
    }

    const wanted = new Map(plan.dependencyTables.filter(({ table }) => catalog.tables.has(table)).map(({ table }) => [table, plan.dependencyPrivileges]));
    const holds = catalog.grants.get(plan.role) ?? new Map<string, Set<TablePrivilege>>();
    for (const [table, privileges] of [...holds].sort(([a], [b]) => a.localeCompare(b))) {
      if (plan.tables.includes(table)) continue; // its own: the owner's privileges, whatever was granted before
      const extra = [...privileges].filter((privilege) => !wanted.get(table)?.includes(privilege)).sort();
      if (extra.length > 0) grants.push({ kind: 'revoke', table, role: plan.role, privileges: extra });
    }
    for (const [table, privileges] of wanted) {
      const missingOnTable = privileges.filter((privilege) => !holds.get(table)?.has(privilege));
      if (missingOnTable.length > 0) grants.push({ kind: 'grant', table, role: plan.role, privileges: missingOnTable });
    }
  }
  return [...created, ...members, ...schema, ...owners, ...grants];
}

/** Every privilege the changes need that the connected user lacks, in one message; nothing is changed. */
function refuseWithoutPrivileges(catalog: RoleCatalog, changes: RoleChange[], displayUrl: string, schemaName: string): void {
  if (catalog.superuser) return;
  const lacks: string[] = [];
  const needRoles = changes.filter((change) => change.kind === 'create-role').map((change) => change.role);
  const needMembership = changes.filter((change) => change.kind === 'grant-membership').map((change) => change.role);
  if (!catalog.createRole && needRoles.length > 0) lacks.push(`CREATEROLE, to create the role(s) ${needRoles.join(', ')}`);
  else if (!catalog.createRole && needMembership.length > 0) lacks.push(`CREATEROLE (or ADMIN OPTION on them), to become a member of ${needMembership.join(', ')} and so run migrations as them`);
  if (!catalog.canGrantOnSchema && changes.some((change) => change.kind === 'grant-schema')) lacks.push(`USAGE and CREATE on schema "${schemaName}" WITH GRANT OPTION (e.g. as the schema's owner), to let the roles create objects there`);
  for (const change of changes) {
    if (change.kind !== 'alter-owner') continue;
    const current = change.object === 'table' ? catalog.tables.get(change.name) : change.object === 'type' ? catalog.types.get(change.name) : catalog.sequences.get(change.name);
    if (current && !current.transferable) lacks.push(`membership in role "${current.owner}", which owns ${change.object} "${change.name}", to hand it to ${change.to}`);
  }
  if (lacks.length === 0) return;
  throw new OrchestratorError('DATABASE_PERMISSION_DENIED', `Cannot manage the plugin roles on ${displayUrl}: the user "${catalog.currentUser}" lacks\n  - ${lacks.join('\n  - ')}\nNothing was changed.`, {
    fix: `Run as a superuser or the database owner, or grant what is missing, e.g. ALTER ROLE "${catalog.currentUser}" CREATEROLE (as a superuser).`,
  });
}

/** One line per change, for the command's text output and for deploy. */
export function describeRoleChange(change: RoleChange): string {
  switch (change.kind) {
    case 'create-role':
      return `created role ${change.role} (NOLOGIN)`;
    case 'grant-membership':
      return `made ${change.to} a member of ${change.role}`;
    case 'grant-schema':
      return `granted ${change.privileges.join(', ')} on schema to ${change.role}`;
    case 'alter-owner':
      return `${change.object} ${change.name}: owner ${change.from} → ${change.to}`;
    case 'grant':
      return `granted ${change.privileges.join(', ')} on ${change.table} to ${change.role}`;
    case 'revoke':
      return `revoked ${change.privileges.join(', ')} on ${change.table} from ${change.role}`;
    default:
      return change satisfies never;
  }
}
