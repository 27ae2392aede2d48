/**
 * What the roles logic (orchestrator/roles/) needs from a database that has roles: PostgreSQL.
 * A Database without roles (SQLite) has no store, and the roles logic refuses on it.
 */

/** Table privileges a plugin role may be given on another plugin's tables. */
export type TablePrivilege = 'SELECT' | 'REFERENCES' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'TRIGGER';

/** Who owns an object, and whether the connected user may hand it to another role. */
export interface OwnedObject {
  owner: string;
  /** The connected user is the owner, or a member of the owning role (what ALTER … OWNER needs). */
  transferable: boolean;
}

/** The part of the catalog the plugin roles are synced against, read in one go. */
export interface RoleCatalog {
  /** The user deploy connects as, and the role attributes that matter here. */
  currentUser: string;
  superuser: boolean;
  createRole: boolean;
  /** Of the roles asked about, those that exist; `member`: the connected user may SET ROLE to it. */
  roles: Map<string, { member: boolean }>;
  /** The schema's tables (including partitioned ones), by name. */
  tables: Map<string, OwnedObject>;
  /** The schema's enum types, by name. */
  types: Map<string, OwnedObject>;
  /** Sequences owned by a column of a table of the schema (serial, identity), by name. */
  sequences: Map<string, OwnedObject & { table: string }>;
  /** Privileges each asked-about role holds on the schema's tables: role → table → privileges. */
  grants: Map<string, Map<string, Set<TablePrivilege>>>;
  /** Privileges each asked-about role holds on the schema itself. */
  schemaPrivileges: Map<string, Set<'USAGE' | 'CREATE'>>;
  /** The connected user may grant USAGE and CREATE on the schema (owner, or WITH GRANT OPTION). */
  canGrantOnSchema: boolean;
}

/** One change the sync makes; the store turns it into SQL. */
export type RoleChange =
  | { kind: 'create-role'; role: string }
  /** Makes the connected user a member of the role: it must SET ROLE to it (deploy) and hand objects to it. */
  | { kind: 'grant-membership'; role: string; to: string }
  | { kind: 'grant-schema'; role: string; privileges: ('USAGE' | 'CREATE')[] }
  | { kind: 'alter-owner'; object: 'table' | 'type' | 'sequence'; name: string; from: string; to: string }
  | { kind: 'grant'; table: string; role: string; privileges: TablePrivilege[] }
  | { kind: 'revoke'; table: string; role: string; privileges: TablePrivilege[] };

export interface PluginRoleStore {
  /** The schema the tables live in. */
  readonly schema: string;
  readCatalog(roles: string[]): Promise<RoleCatalog>;
  /**
   * Creates the roles and the memberships (cluster-wide: another database's deploy may create
   * the same role at the same moment, which counts as done), then applies every other change in
   * one transaction.
   */
  apply(changes: RoleChange[]): Promise<void>;
  /**
   * A role whose plugin is gone (uninstalled, renamed). Still owning objects in the schema: kept,
   * untouched. Otherwise it gives up what it holds in this schema and is dropped, or kept when
   * it holds privileges elsewhere (another database of the server). `absent`: no such role.
   */
  retireRole(role: string): Promise<'dropped' | 'kept' | 'absent'>;
  /** For each (table, privilege), whether `role` holds it (ownership counts as every privilege). */
  holds(role: string, checks: { table: string; privilege: TablePrivilege | 'OWNER' }[]): Promise<boolean[]>;
}
