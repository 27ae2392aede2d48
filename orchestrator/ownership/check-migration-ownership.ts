import { displayPath } from '../files/project-files.ts';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { MigrationPlan, ObjectKind, ObjectUse, TouchedObject } from '../sql/migration-plan.ts';
import type { SqlDialect } from '../sql/sql-dialect.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';
import type { ObjectOwnership } from './object-ownership.ts';

/** A pending migration with the plan it was read into. */
export interface MigrationWithPlan {
  migration: MigrationOnDisk;
  plan: MigrationPlan;
}

export interface OwnershipCheckInput {
  plugin: Plugin;
  /** Names of the plugins it depends on, directly or not: it may reference and read their tables. */
  dependencies: ReadonlySet<string>;
  /** Its pending migrations, each with its plan. */
  migrations: MigrationWithPlan[];
  ownership: ObjectOwnership;
  /** The schema the deploy migrates (`public`, a tenant schema, SQLite's `main`): a name qualified with another schema is no plugin's. */
  targetSchema: string;
  /** Index (and SQLite trigger) names → their table, from the live database's catalog. */
  liveIndexTables?: ReadonlyMap<string, string>;
}

interface Place {
  plugin: string;
  migration: string;
  file: string;
  /** 1-based line of the statement in migration.sql. */
  line: number;
}

export interface OwnershipViolation extends Place {
  /** The object's name as the statement spells it. */
  object: string;
  kind: ObjectKind;
  /** For an index or trigger: the table it belongs to, which gave its owner. */
  table?: string;
  owner: string;
  use: ObjectUse;
}

export interface UnverifiableStatement extends Place {
  /** The statement's label, e.g. "DO". */
  statement: string;
}

export interface OwnershipFindings {
  violations: OwnershipViolation[];
  unverifiable: UnverifiableStatement[];
}

/**
 * Reads a plugin's pending migration plans for statements that reach beyond the plugin: any
 * write (create, alter, drop, rename, index, comment, grant, insert, update, delete, …) to
 * another plugin's table, enum, index or history table; a foreign key to, or a read of, a table
 * of a plugin it does not depend on; and dynamic SQL (DO, EXECUTE, function bodies, CALL) whose
 * effect the text does not show, unless the migration is marked trusted. Objects no plugin owns
 * (the application's own tables, made by hand) are not this check's business.
 */
export function checkMigrationOwnership(input: OwnershipCheckInput): OwnershipFindings {
  const findings: OwnershipFindings = { violations: [], unverifiable: [] };
  const lookups = new Map<Provider, OwnerLookup>();
  for (const { migration, plan } of input.migrations) {
    let lookup = lookups.get(plan.provider);
    if (!lookup) lookups.set(plan.provider, (lookup = ownerLookup(input, sqlDialectFor(plan.provider))));
    for (const statement of plan.statements) {
      const place: Place = { plugin: input.plugin.name, migration: migration.name, file: migration.sqlPath, line: statement.line };
      if (statement.dynamic && !plan.directives.trusted) findings.unverifiable.push({ ...place, statement: statement.kind });
      for (const touched of statement.touches) {
        const owned = lookup(touched);
        if (!owned || owned.owner === input.plugin.name) continue;
        if (touched.use !== 'write' && input.dependencies.has(owned.owner)) continue;
        findings.violations.push({ ...place, object: touched.name, kind: touched.kind, ...(owned.table ? { table: owned.table } : {}), owner: owned.owner, use: touched.use });
      }
    }
  }
  return findings;
}

/** The plugin owning a touched object (and the table that told, for an index or trigger), if any. */
type OwnerLookup = (touched: TouchedObject) => { owner: string; table?: string } | undefined;

/** Compares names the dialect's way: ownership maps are keyed by exact names, SQLite ignores case. */
function ownerLookup(input: OwnershipCheckInput, dialect: SqlDialect): OwnerLookup {
  const key = (name: string) => dialect.nameKey(name);
  const tables = keyed(input.ownership.tables, dialect);
  const enums = keyed(input.ownership.enums, dialect);
  const indexes = keyed(input.ownership.indexes, dialect);
  const liveIndexTables = keyed(input.liveIndexTables ?? new Map<string, string>(), dialect);
  const targetSchema = key(input.targetSchema);
  const found = (owner: string | undefined) => (owner === undefined ? undefined : { owner });
  return (touched) => {
    if (touched.schema !== undefined && key(touched.schema) !== targetSchema) return undefined;
    const name = key(touched.name);
    switch (touched.kind) {
      case 'table':
      case 'view':
      case 'sequence':
        // One namespace for tables, views and sequences: `DROP VIEW "books"` still aims at books.
        return found(tables.get(name));
      case 'enum':
        return found(enums.get(name));
      case 'index':
      case 'trigger': {
        const direct = touched.kind === 'index' ? indexes.get(name) : undefined;
        if (direct !== undefined) return { owner: direct };
        const table = touched.table ?? liveIndexTables.get(name);
        const owner = table === undefined ? undefined : tables.get(key(table));
        return owner === undefined || table === undefined ? undefined : { owner, table };
      }
      default:
        return undefined;
    }
  };
}

/** Keyed maps already built, per source map and dialect: the check runs once per plugin over the same project-wide maps. */
const keyedMaps = new WeakMap<ReadonlyMap<string, string>, WeakMap<SqlDialect, Map<string, string>>>();

function keyed(map: ReadonlyMap<string, string>, dialect: SqlDialect): Map<string, string> {
  const byDialect = keyedMaps.get(map) ?? new WeakMap<SqlDialect, Map<string, string>>();
  keyedMaps.set(map, byDialect);
  let result = byDialect.get(dialect);
  if (!result) {
    result = new Map([...map].map(([name, value]) => [dialect.nameKey(name), value]));
    byDialect.set(dialect, result);
  }
  return result;
}

const VERBS: Record<ObjectUse, string> = { write: 'changes', reference: 'references', read: 'reads' };

function where(place: Place): string {
  return `${displayPath(place.file)}:${place.line}`;
}

/** `action`: what is refused, for the message ("deploy", "roll back"). */
export function ownershipError(violations: OwnershipViolation[], action = 'deploy'): OrchestratorError {
  const lines = violations.map((v) => {
    const on = v.table ? ` (on table "${v.table}")` : '';
    return `  - plugin "${v.plugin}", migration ${v.migration}: ${VERBS[v.use]} ${v.kind} "${v.object}"${on}, owned by plugin "${v.owner}" (${where(v)})`;
  });
  return new OrchestratorError('OWNERSHIP_VIOLATION', `Refusing to ${action}: migrations touch tables owned by other plugins:\n${lines.join('\n')}\nNothing was applied.`, {
    fix: 'Change another plugin\'s tables only through that plugin\'s own migrations. To reference or read a table, list its plugin in "dependsOn".',
  });
}

export function unverifiableError(statements: UnverifiableStatement[], action = 'deploy'): OrchestratorError {
  const lines = statements.map((s) => `  - plugin "${s.plugin}", migration ${s.migration}: ${s.statement} (${where(s)})`);
  return new OrchestratorError('SQL_UNVERIFIABLE', `Refusing to ${action}: migrations run SQL whose effect cannot be read from its text (DO blocks, EXECUTE, function bodies, CALL), so the orchestrator cannot verify that it leaves other plugins' tables alone:\n${lines.join('\n')}\nNothing was applied.`, {
    fix: 'Read what the statement does. If it touches only the plugin\'s own objects, mark the migration trusted: add the line "-- orchestrator: trusted" at the top of its migration.sql, before the first statement.',
  });
}
