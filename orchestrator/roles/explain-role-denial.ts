import type { PluginRoleStore, TablePrivilege } from '../database/plugin-role-store.ts';
import type { PlannedStatement, TouchedObject } from '../sql/migration-plan.ts';
import { planMigration } from '../sql/plan-migration.ts';
import type { PluginRole } from './plan-plugin-roles.ts';

/** What a statement needed on a table, as the plan tells it. */
interface Need {
  table: string;
  privilege: TablePrivilege | 'OWNER';
}

/** How PostgreSQL introduces, in an error's context, the SQL that a DO block or function ran. */
const CONTEXT_STATEMENT = 'SQL statement "';

/**
 * Says which privilege on which table a plugin's role lacked when the database refused a
 * statement (SQLSTATE 42501): "UPDATE on table "books" (plugin "one"'s)". The statement's plan
 * names the tables it touches; for dynamic SQL (a trusted DO block) the statement the block ran,
 * which PostgreSQL quotes in the error's context, is read with the same parser. The database is
 * then asked which of those privileges the role lacks. Undefined when that cannot be told.
 */
export async function explainRoleDenial(store: PluginRoleStore, role: PluginRole, ownerOf: ReadonlyMap<string, string>, statement: PlannedStatement | undefined, cause: unknown): Promise<string | undefined> {
  const statements = statement && !statement.dynamic ? [statement] : await statementsFromContext(cause);
  const needs = statements.flatMap((planned) => planned.touches.flatMap((touched) => needOf(planned.kind, touched, store.schema)));
  const unique = [...new Map(needs.map((need) => [`${need.table}\0${need.privilege}`, need])).values()];
  if (unique.length === 0) return undefined;
  const held = await store.holds(role.role, unique);
  const lacking = unique.filter((_, index) => !held[index]);
  if (lacking.length === 0) return undefined;
  return lacking.map((need) => `${need.privilege === 'OWNER' ? 'ownership of' : `${need.privilege} on`} table "${need.table}" (${describeOwner(ownerOf.get(need.table), role.plugin)})`).join(', ');
}

function describeOwner(owner: string | undefined, plugin: string): string {
  if (owner === undefined) return 'no plugin\'s: a table of the application\'s own';
  if (owner === plugin) return 'its own, but owned by another role';
  return `plugin "${owner}"'s`;
}

/** The privilege each table use needs: reading SELECT, a foreign key REFERENCES, a row change its own privilege, anything else (ALTER, DROP, an index) the owner. */
function needOf(kind: string, touched: TouchedObject, schema: string): Need[] {
  if (touched.schema !== undefined && touched.schema !== schema) return [];
  const table = touched.kind === 'table' ? touched.name : touched.kind === 'index' || touched.kind === 'trigger' ? touched.table : undefined;
  if (table === undefined) return [];
  if (touched.use === 'read') return [{ table, privilege: 'SELECT' }];
  if (touched.use === 'reference') return [{ table, privilege: 'REFERENCES' }];
  const rowPrivilege = (['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const).find((privilege) => kind === privilege);
  return [{ table, privilege: touched.kind === 'table' && rowPrivilege ? rowPrivilege : 'OWNER' }];
}

/** The statement PostgreSQL quotes as the context of an error raised inside a DO block, planned; none when there is none. */
async function statementsFromContext(cause: unknown): Promise<PlannedStatement[]> {
  const where = (cause as { where?: unknown } | null)?.where;
  if (typeof where !== 'string' || !where.startsWith(CONTEXT_STATEMENT)) return [];
  const firstLine = where.split('\n')[0]!;
  if (!firstLine.endsWith('"')) return [];
  try {
    return (await planMigration(firstLine.slice(CONTEXT_STATEMENT.length, -1), 'postgresql')).statements;
  } catch {
    return []; // not one statement the parser can read: the database's own message stands
  }
}

/** `CREATE SCHEMA [IF NOT EXISTS]` of the schema deploy migrates, and nothing else: a no-op the deployer runs, not the plugin's role. */
export function createsOnlySchema(statement: PlannedStatement, schema: string): boolean {
  return statement.kind === 'CREATE SCHEMA' && statement.touches.length > 0 && statement.touches.every((touched) => touched.kind === 'schema' && touched.name === schema);
}
