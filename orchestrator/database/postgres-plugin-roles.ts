import { OrchestratorError } from '../errors.ts';
import { driverErrorCode } from './classify-database-error.ts';
import type { SqlRunner } from './database.ts';
import type { OwnedObject, PluginRoleStore, RoleCatalog, RoleChange, TablePrivilege } from './plugin-role-store.ts';

/** The connection the store runs on: statements, one transaction, identifier quoting. */
export interface RoleConnection extends SqlRunner {
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  quoteIdentifier(name: string): string;
}

/**
 * Creating a role that another session created first (two databases of one cluster deploying
 * the same plugins at once): 42710 duplicate_object once the other committed, 23505
 * unique_violation on pg_authid's index while both were in flight, XX000 "tuple concurrently
 * updated" for two GRANTs of one membership. Each is then checked, not trusted.
 */
const RACE_CODES = new Set(['42710', '23505', 'XX000', '40001']);

/** PostgreSQL's roles, catalog and GRANT/REVOKE for orchestrator/roles/. */
export class PostgresPluginRoles implements PluginRoleStore {
  constructor(
    private readonly db: RoleConnection,
    readonly schema: string,
  ) {}

  async readCatalog(roles: string[]): Promise<RoleCatalog> {
    const [me] = await this.db.query<{ user: string; superuser: boolean; createrole: boolean; cangrant: boolean }>(
      `SELECT current_user AS "user", r.rolsuper AS superuser, r.rolcreaterole AS createrole,
              has_schema_privilege(current_user, n.oid, 'USAGE WITH GRANT OPTION') AND has_schema_privilege(current_user, n.oid, 'CREATE WITH GRANT OPTION') AS cangrant
         FROM pg_roles r, pg_namespace n WHERE r.rolname = current_user AND n.nspname = $1`,
      [this.schema],
    );
    if (!me) {
      throw new OrchestratorError('CONFIG_INVALID', `The schema "${this.schema}" that DATABASE_URL names does not exist, so it has no plugin tables to give roles to. Nothing was changed.`, {
        fix: 'Run deploy first (it creates the schema), or correct ?schema= in DATABASE_URL.',
      });
    }
    const existing = await this.db.query<{ name: string; member: boolean; usage: boolean; create: boolean }>(
      `SELECT r.rolname AS name, pg_has_role(current_user, r.oid, 'MEMBER') AS member,
              has_schema_privilege(r.oid, n.oid, 'USAGE') AS usage, has_schema_privilege(r.oid, n.oid, 'CREATE') AS "create"
         FROM pg_roles r, pg_namespace n WHERE r.rolname = ANY($1) AND n.nspname = $2`,
      [roles, this.schema],
    );
    const owned = async (sql: string) => this.db.query<{ name: string; owner: string; transferable: boolean; table: string | null }>(sql, [this.schema]);
    const tables = await owned(
      `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner, pg_has_role(current_user, c.relowner, 'MEMBER') AS transferable, NULL AS "table"
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    );
    const types = await owned(
      `SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner, pg_has_role(current_user, t.typowner, 'MEMBER') AS transferable, NULL AS "table"
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e'`,
    );
    // A serial or identity column's sequence depends on its table (deptype 'a' or 'i').
    const sequences = await owned(
      `SELECT s.relname AS name, pg_get_userbyid(s.relowner) AS owner, pg_has_role(current_user, s.relowner, 'MEMBER') AS transferable, t.relname AS "table"
         FROM pg_class s
         JOIN pg_namespace n ON n.oid = s.relnamespace
         JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         JOIN pg_class t ON t.oid = d.refobjid
        WHERE n.nspname = $1 AND s.relkind = 'S'`,
    );
    // Explicit grants only (aclexplode), the owner's own entries left out.
    const grants = await this.db.query<{ role: string; table: string; privilege: TablePrivilege }>(
      `SELECT r.rolname AS role, c.relname AS "table", a.privilege_type AS privilege
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL aclexplode(c.relacl) a
         JOIN pg_roles r ON r.oid = a.grantee
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.grantee <> c.relowner AND r.rolname = ANY($2)`,
      [this.schema, roles],
    );
    const byName = (rows: { name: string; owner: string; transferable: boolean }[]) => new Map<string, OwnedObject>(rows.map((row) => [row.name, { owner: row.owner, transferable: row.transferable }]));
    const grantMap = new Map<string, Map<string, Set<TablePrivilege>>>();
    for (const row of grants) {
      const perTable = grantMap.get(row.role) ?? new Map<string, Set<TablePrivilege>>();
      grantMap.set(row.role, perTable);
      perTable.set(row.table, (perTable.get(row.table) ?? new Set()).add(row.privilege));
    }
    return {
      currentUser: me.user,
      superuser: me.superuser,
      createRole: me.createrole,
      roles: new Map(existing.map((row) => [row.name, { member: row.member }])),
      tables: byName(tables),
      types: byName(types),
      sequences: new Map(sequences.map((row) => [row.name, { owner: row.owner, transferable: row.transferable, table: row.table! }])),
      grants: grantMap,
      schemaPrivileges: new Map(existing.map((row) => [row.name, new Set([...(row.usage ? ['USAGE' as const] : []), ...(row.create ? ['CREATE' as const] : [])])])),
      canGrantOnSchema: me.superuser || me.cangrant,
    };
  }

  async apply(changes: RoleChange[]): Promise<void> {
    for (const change of changes) {
      if (change.kind === 'create-role' || change.kind === 'grant-membership') await this.applyClusterWide(change);
    }
    const local = changes.filter((change) => change.kind !== 'create-role' && change.kind !== 'grant-membership');
    if (local.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const change of local) await tx.execute(this.sql(change));
    });
  }

  async retireRole(role: string): Promise<'dropped' | 'kept' | 'absent'> {
    const [exists] = await this.db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found', [role]);
    if (!exists?.found) return 'absent';
    // Still owning something here: its plugin's tables are not gone yet, so it keeps what it holds.
    const [owns] = await this.db.query<{ owns: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $2))
           OR EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typowner = (SELECT oid FROM pg_roles WHERE rolname = $2)) AS owns`,
      [this.schema, role],
    );
    if (owns?.owns) return 'kept';
    const id = (name: string) => this.db.quoteIdentifier(name);
    await this.db.transaction(async (tx) => {
      await tx.execute(`REVOKE ALL ON ALL TABLES IN SCHEMA ${id(this.schema)} FROM ${id(role)}`);
      await tx.execute(`REVOKE ALL ON SCHEMA ${id(this.schema)} FROM ${id(role)}`);
    });
    try {
      await this.db.execute(`DROP ROLE ${id(role)}`);
      return 'dropped';
    } catch (error) {
      const code = driverErrorCode(error);
      if (code === '2BP01') return 'kept'; // dependent_objects_still_exist: it owns or holds something still
      if (code === '42704') return 'absent'; // dropped meanwhile by another deploy
      throw error;
    }
  }

  async holds(role: string, checks: { table: string; privilege: TablePrivilege | 'OWNER' }[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const check of checks) {
      const [row] = await this.db.query<{ holds: boolean | null }>(
        check.privilege === 'OWNER'
          ? `SELECT pg_has_role($1, c.relowner, 'USAGE') AS holds FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', $2::text, $3::text))`
          : `SELECT has_table_privilege($1, c.oid, $4) AS holds FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', $2::text, $3::text))`,
        check.privilege === 'OWNER' ? [role, this.schema, check.table] : [role, this.schema, check.table, check.privilege],
      );
      results.push(row?.holds ?? false);
    }
    return results;
  }

  /** Roles and memberships are shared by every database of the server: created race-tolerantly, each on its own. */
  private async applyClusterWide(change: Extract<RoleChange, { kind: 'create-role' | 'grant-membership' }>): Promise<void> {
    try {
      await this.db.execute(this.sql(change));
    } catch (error) {
      if (!RACE_CODES.has(driverErrorCode(error) ?? '')) throw error;
      const [row] = await this.db.query<{ done: boolean }>(
        change.kind === 'create-role'
          ? 'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS done'
          : "SELECT pg_has_role($2, $1, 'MEMBER') AS done",
        change.kind === 'create-role' ? [change.role] : [change.role, change.to],
      );
      if (!row?.done) throw error;
    }
  }

  private sql(change: RoleChange): string {
    const id = (name: string) => this.db.quoteIdentifier(name);
    const qualified = (name: string) => `${id(this.schema)}.${id(name)}`;
    switch (change.kind) {
      case 'create-role':
        return `CREATE ROLE ${id(change.role)} NOLOGIN`;
      case 'grant-membership':
        return `GRANT ${id(change.role)} TO ${id(change.to)}`;
      case 'grant-schema':
        return `GRANT ${change.privileges.join(', ')} ON SCHEMA ${id(this.schema)} TO ${id(change.role)}`;
      case 'alter-owner':
        return `ALTER ${change.object.toUpperCase()} ${qualified(change.name)} OWNER TO ${id(change.to)}`;
      case 'grant':
        return `GRANT ${change.privileges.join(', ')} ON TABLE ${qualified(change.table)} TO ${id(change.role)}`;
      case 'revoke':
        return `REVOKE ${change.privileges.join(', ')} ON TABLE ${qualified(change.table)} FROM ${id(change.role)}`;
      default:
        return change satisfies never;
    }
  }
}
