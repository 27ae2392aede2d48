import { SqlSyntaxError, type DataLossRisk, type ObjectKind, type ObjectUse, type PlannedStatement, type TouchedObject } from './migration-plan.ts';
import type { SqlDialect } from './sql-dialect.ts';
import { lineAt, skipLeadingComments } from './sql-text.ts';

/** A node of libpg-query's JSON tree (PostgreSQL's own parse tree). */
type Node = Record<string, unknown>;
type StatementFacts = Omit<PlannedStatement, 'index' | 'sql' | 'line'>;

// Imported on first use: every command picks its dialect through sql-dialects.ts, and a SQLite
// deploy (or a PostgreSQL one with nothing pending) never parses PostgreSQL.
let parser: Promise<typeof import('libpg-query')> | undefined;
const loadParser = async () => {
  const libpgQuery = await import('libpg-query');
  await libpgQuery.loadModule();
  return libpgQuery;
};

/**
 * PostgreSQL, read with PostgreSQL's own parser (libpg-query, the server's grammar compiled to
 * WebAssembly). The parser splits the script (its statement offsets), folds unquoted names, and
 * gives every object a statement names; nothing here re-tokenizes SQL.
 */
export class PostgresSqlDialect implements SqlDialect {
  readonly provider = 'postgresql' as const;
  readonly displayName = 'PostgreSQL';
  readonly defaultSchema = 'public';

  nameKey(name: string): string {
    return name;
  }

  async readStatements(script: string): Promise<PlannedStatement[]> {
    const { parseSync } = await (parser ??= loadParser());
    if (script.trim() === '') return [];
    let tree: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
    try {
      tree = parseSync(script);
    } catch (error) {
      const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
      // The cursor is a character position (PostgreSQL converts it from bytes).
      const line = details?.cursorPosition === undefined ? 1 : lineAt(script, details.cursorPosition);
      throw new SqlSyntaxError((error as Error).message, line);
    }
    // stmt_location / stmt_len are byte offsets into the UTF-8 text; a stmt_len of 0 runs to the end.
    const bytes = Buffer.from(script, 'utf8');
    // Lines are counted as the statements go (a newline byte is never part of a multi-byte character).
    let counted = 0;
    let line = 1;
    return (tree.stmts ?? []).map((raw, index) => {
      const start = raw.stmt_location ?? 0;
      const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
      for (; counted < start; counted++) if (bytes[counted] === 0x0a) line++;
      const text = bytes.subarray(start, end).toString('utf8');
      const codeStart = skipLeadingComments(text, true);
      return { index, sql: text.slice(codeStart).trimEnd(), line: lineAt(text, codeStart) + line - 1, ...describe(raw.stmt) };
    });
  }
}

/** Reads one statement's parse tree: what it is, what it touches, how it may run. */
function describe(stmt: Node): StatementFacts {
  const [type, body] = Object.entries(stmt)[0] as [string, Node];
  const reader = new TreeReader();
  reader.visit(stmt);
  const facts: StatementFacts = {
    kind: label(type, body),
    touches: reader.touches,
    transaction: mustRunOutsideTransaction(type, body) || reader.outsideTransaction ? 'outside-transaction' : 'transactional',
    dynamic: reader.dynamic,
  };
  if (reader.changesRole) facts.changesRole = true;
  if (type === 'TransactionStmt') facts.transactionControl = transactionControl(String(body.kind));
  if (type === 'AlterEnumStmt' && body.newVal !== undefined && body.oldVal === undefined) facts.addsEnumValue = true;
  if (SCHEMA_ONLY_STATEMENTS.has(type) && !reader.dynamic) facts.definesSchemaOnly = true;
  const risks = dataLossRisks(type, body);
  if (risks.length > 0) facts.risks = risks;
  return facts;
}

/**
 * Parse-tree statement types that define objects and touch no rows of their own: CREATE TABLE
 * without AS, CREATE INDEX, CREATE TYPE … AS ENUM / composite, ALTER TABLE, ALTER TYPE,
 * CREATE / ALTER SEQUENCE, CREATE SCHEMA, COMMENT ON.
 */
const SCHEMA_ONLY_STATEMENTS = new Set(['CreateStmt', 'IndexStmt', 'CreateEnumStmt', 'CompositeTypeStmt', 'AlterTableStmt', 'AlterEnumStmt', 'CreateSeqStmt', 'AlterSeqStmt', 'CreateSchemaStmt', 'CommentStmt']);

/** Types whose column gets a default from a sequence: adding one NOT NULL fills every row. */
const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8']);

/** What a statement may destroy, or fail on when its table holds rows (see DataLossRisk). */
function dataLossRisks(type: string, body: Node): DataLossRisk[] {
  if (type === 'DropStmt' && body.removeType === 'OBJECT_TABLE') {
    return list(body.objects).map((object) => ({ kind: 'drop-table', table: stringValue(list(object).at(-1)) }));
  }
  if (type !== 'AlterTableStmt' || body.objtype !== 'OBJECT_TABLE') return [];
  const table = String((body.relation as Node | undefined)?.relname ?? '');
  return list(body.cmds).flatMap((item): DataLossRisk[] => {
    const cmd = unwrap(item) as Node;
    const column = typeof cmd.name === 'string' ? cmd.name : undefined;
    switch (cmd.subtype) {
      case 'AT_DropColumn':
        return [{ kind: 'drop-column', table, ...(column ? { column } : {}) }];
      case 'AT_AlterColumnType':
        return [{ kind: 'change-type', table, ...(column ? { column } : {}) }];
      case 'AT_SetNotNull':
        return [{ kind: 'set-not-null', table, ...(column ? { column } : {}) }];
      case 'AT_AddColumn': {
        const definition = unwrap(cmd.def) as Node;
        const constraints = list(definition.constraints).map((constraint) => String((unwrap(constraint) as Node).contype));
        const required = constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
        const filled = constraints.some((kind) => kind === 'CONSTR_DEFAULT' || kind === 'CONSTR_IDENTITY' || kind === 'CONSTR_GENERATED');
        const serial = SERIAL_TYPES.has(stringValue(list((unwrap(definition.typeName) as Node | undefined)?.names).at(-1)));
        return required && !filled && !serial ? [{ kind: 'required-column', table, column: String(definition.colname) }] : [];
      }
      default:
        return [];
    }
  });
}

/**
 * Statements PostgreSQL refuses inside a transaction block ("… cannot run inside a transaction
 * block"): see the notes of CREATE/DROP INDEX, REINDEX, VACUUM, CLUSTER, CREATE/DROP DATABASE,
 * ALTER DATABASE SET TABLESPACE, CREATE/DROP TABLESPACE, ALTER SYSTEM, the subscription
 * commands and DISCARD ALL in the PostgreSQL reference.
 */
function mustRunOutsideTransaction(type: string, body: Node): boolean {
  switch (type) {
    case 'IndexStmt':
    case 'DropStmt':
      return body.concurrent === true;
    case 'ReindexStmt':
      return hasOption(body.params, 'concurrently') || ['REINDEX_OBJECT_SCHEMA', 'REINDEX_OBJECT_SYSTEM', 'REINDEX_OBJECT_DATABASE'].includes(String(body.kind));
    case 'VacuumStmt':
      return body.is_vacuumcmd === true;
    case 'ClusterStmt':
      return body.relation === undefined;
    case 'AlterDatabaseStmt':
      return hasOption(body.options, 'tablespace');
    case 'DiscardStmt':
      return body.target === 'DISCARD_ALL';
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt':
    case 'AlterSubscriptionStmt':
      return true;
    default:
      return false;
  }
}

function transactionControl(kind: string): NonNullable<PlannedStatement['transactionControl']> {
  switch (kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return 'begin';
    case 'TRANS_STMT_COMMIT':
      return 'commit';
    case 'TRANS_STMT_ROLLBACK':
      return 'rollback';
    case 'TRANS_STMT_SAVEPOINT':
      return 'savepoint';
    case 'TRANS_STMT_RELEASE':
      return 'release';
    default:
      return 'other';
  }
}

/** Statements whose effect cannot be read from their text: code run by the server. */
const DYNAMIC_STATEMENTS = new Set(['DoStmt', 'CallStmt', 'ExecuteStmt', 'PrepareStmt', 'CreateFunctionStmt', 'LoadStmt', 'CreateEventTrigStmt']);

/** Functions that run SQL handed to them as text (core XML functions, the dblink extension). */
const SQL_RUNNING_FUNCTIONS = new Set(['query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'dblink', 'dblink_exec', 'dblink_open', 'dblink_send_query']);

/** Built-in type names the grammar leaves unqualified (keywords such as INTEGER come back as pg_catalog.*). */
const BUILT_IN_TYPES = new Set(['text', 'bytea', 'json', 'jsonb', 'uuid', 'xml', 'money', 'inet', 'cidr', 'macaddr', 'date', 'citext', 'tsvector', 'tsquery', 'oid', 'regclass', 'name', 'serial', 'bigserial', 'smallserial', 'timestamptz', 'timetz', 'int', 'int2', 'int4', 'int8', 'float4', 'float8', 'bool', 'varchar', 'bpchar']);

/** The settings that say whose privileges a session uses. */
const ROLE_SETTINGS = new Set(['role', 'session_authorization']);

/**
 * Walks a statement's whole tree. Handlers for the statements that change something mark the
 * relation they change (`write`, `reference`); every other table the walk meets is a `read`.
 * Nested statements (data-modifying CTEs, rule actions, EXPLAIN ANALYZE) get the same handlers,
 * wherever they sit.
 */
class TreeReader {
  readonly touches: TouchedObject[] = [];
  dynamic = false;
  outsideTransaction = false;
  /** SET ROLE, SET SESSION AUTHORIZATION, their RESET, set_config('role', …), DISCARD ALL. */
  changesRole = false;
  /** RangeVar nodes a handler already classified, so the generic walk does not count them as reads. */
  private readonly claimed = new Set<Node>();

  visit(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Node;
    if (typeof node.relname === 'string') {
      // A RangeVar, wrapped or as a field (`relation: {...}`).
      if (!this.claimed.has(node)) this.relation(node, 'table', 'read');
    } else if (Array.isArray(node.names) && 'typemod' in node) {
      if (!this.claimed.has(node)) this.typeName(node);
    } else {
      const keys = Object.keys(node);
      if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) this.handle(keys[0]!, node[keys[0]!] as Node);
    }
    for (const child of Object.values(node)) this.visit(child);
  }

  /** Marks what a node of the given type writes or references, before its children are walked. */
  private handle(type: string, body: Node): void {
    if (DYNAMIC_STATEMENTS.has(type)) this.dynamic = true;
    switch (type) {
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
      case 'RuleStmt':
      case 'ClusterStmt':
      case 'CreatePolicyStmt':
      case 'AlterPolicyStmt':
        this.relation(body.relation ?? body.table, 'table', 'write');
        break;
      case 'CreateStmt':
        this.relation(body.relation, 'table', 'write');
        // PARTITION OF / INHERITS attaches the new table to its parent: a change to the parent.
        for (const parent of list(body.inhRelations)) this.relation(parent, 'table', 'write');
        break;
      case 'CreateForeignTableStmt':
        this.relation((body.base as Node | undefined)?.relation, 'table', 'write');
        break;
      case 'CreateTableAsStmt':
        this.relation((body.into as Node | undefined)?.rel, body.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table', 'write');
        break;
      case 'ViewStmt':
        this.relation(body.view, 'view', 'write');
        break;
      case 'RefreshMatViewStmt':
        this.relation(body.relation, 'view', 'write');
        break;
      case 'AlterTableStmt':
        this.relation(body.relation, objectKind(String(body.objtype)), 'write');
        break;
      case 'FuncCall':
        if (SQL_RUNNING_FUNCTIONS.has(stringValue(list(body.funcname).at(-1)))) this.dynamic = true;
        if (stringValue(list(body.funcname).at(-1)) === 'set_config') {
          // A setting named by an expression could be either.
          const setting = (unwrap(list(body.args)[0]) as Node | undefined)?.sval;
          const name = setting && typeof setting === 'object' ? (setting as Node).sval : undefined;
          if (typeof name !== 'string' || ROLE_SETTINGS.has(name.toLowerCase())) this.changesRole = true;
        }
        break;
      case 'VariableSetStmt':
        if (typeof body.name === 'string' && ROLE_SETTINGS.has(body.name)) this.changesRole = true;
        break;
      case 'DiscardStmt':
        if (body.target === 'DISCARD_ALL') this.changesRole = true; // includes SET SESSION AUTHORIZATION DEFAULT
        break;
      case 'SelectStmt':
        // SELECT … INTO t creates t.
        this.relation((body.intoClause as Node | undefined)?.rel, 'table', 'write');
        break;
      case 'AlterTableCmd':
        // INHERIT / NO INHERIT p attaches to, or detaches from, the parent p.
        if (body.subtype === 'AT_AddInherit' || body.subtype === 'AT_DropInherit') this.relation(body.def, 'table', 'write');
        break;
      case 'PartitionCmd':
        this.relation(body.name, 'table', 'write');
        if (body.concurrent === true) this.outsideTransaction = true;
        break;
      case 'TruncateStmt':
      case 'LockStmt':
        for (const relation of list(body.relations)) this.relation(relation, 'table', 'write');
        break;
      case 'CreateStatsStmt':
        for (const relation of list(body.relations)) this.relation(relation, 'table', 'write');
        break;
      case 'VacuumStmt':
        for (const rel of list(body.rels)) this.relation((unwrap(rel) as Node).relation, 'table', body.is_vacuumcmd === true ? 'write' : 'read');
        break;
      case 'CopyStmt':
        this.relation(body.relation, 'table', body.is_from === true ? 'write' : 'read');
        if (body.is_program === true) this.dynamic = true;
        break;
      case 'IndexStmt': {
        const table = body.relation as Node;
        this.relation(table, 'table', 'write');
        if (typeof body.idxname === 'string') this.add({ kind: 'index', name: body.idxname, schema: schemaOf(table), use: 'write', table: String(table.relname) });
        break;
      }
      case 'ReindexStmt':
        if (body.relation) this.relation(body.relation, body.kind === 'REINDEX_OBJECT_INDEX' ? 'index' : 'table', 'write');
        else if (body.kind === 'REINDEX_OBJECT_SCHEMA') this.add({ kind: 'schema', name: String(body.name), use: 'write' });
        break;
      case 'CreateTrigStmt': {
        const table = body.relation as Node;
        this.relation(table, 'table', 'write');
        this.add({ kind: 'trigger', name: String(body.trigname), schema: schemaOf(table), use: 'write', table: String(table.relname) });
        this.add({ ...qualifiedName(list(body.funcname)), kind: 'function', use: 'reference' });
        break;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
      case 'AlterEnumStmt':
        this.add({ ...qualifiedName(list(body.typeName)), kind: 'enum', use: 'write' });
        break;
      case 'CreateDomainStmt':
        this.add({ ...qualifiedName(list(body.domainname)), kind: 'enum', use: 'write' });
        break;
      case 'AlterDomainStmt':
        this.add({ ...qualifiedName(list(body.typeName)), kind: 'enum', use: 'write' });
        break;
      case 'CompositeTypeStmt':
        this.relation(body.typevar, 'enum', 'write');
        break;
      case 'DefineStmt':
        this.add({ ...qualifiedName(list(body.defnames)), kind: body.kind === 'OBJECT_TYPE' ? 'enum' : 'other', use: 'write' });
        break;
      case 'CreateSeqStmt':
      case 'AlterSeqStmt':
        this.relation(body.sequence, 'sequence', 'write');
        for (const option of list(body.options)) {
          const def = unwrap(option) as Node;
          if (def.defname === 'owned_by') this.add({ ...qualifiedName(list(unwrap(def.arg)).slice(0, -1)), kind: 'table', use: 'reference' });
        }
        break;
      case 'CreateFunctionStmt':
        this.add({ ...qualifiedName(list(body.funcname)), kind: 'function', use: 'write' });
        break;
      case 'AlterFunctionStmt':
        this.objects(body.objtype === 'OBJECT_PROCEDURE' ? 'OBJECT_PROCEDURE' : 'OBJECT_FUNCTION', [body.func], 'write');
        break;
      case 'CreateSchemaStmt':
        if (typeof body.schemaname === 'string') this.add({ kind: 'schema', name: body.schemaname, use: 'write' });
        break;
      case 'DropStmt':
        this.objects(String(body.removeType), list(body.objects), 'write');
        break;
      case 'CommentStmt':
      case 'SecLabelStmt':
        this.objects(String(body.objtype), [body.object], 'write');
        break;
      case 'AlterOwnerStmt':
      case 'AlterObjectSchemaStmt':
        if (body.relation) this.relation(body.relation, objectKind(String(body.objectType)), 'write');
        else this.objects(String(body.objectType), [body.object], 'write');
        break;
      case 'RenameStmt':
        this.rename(body);
        break;
      case 'GrantStmt':
        if (body.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') this.objects('OBJECT_SCHEMA', list(body.objects), 'write');
        else if (body.objtype === 'OBJECT_TABLE' || body.objtype === 'OBJECT_SEQUENCE') {
          for (const relation of list(body.objects)) this.relation(relation, objectKind(String(body.objtype)), 'write');
        } else this.objects(String(body.objtype), list(body.objects), 'write');
        break;
      case 'Constraint':
        // A foreign key: the table it points at is referenced, not changed.
        if (body.pktable) this.relation(body.pktable, 'table', 'reference');
        break;
    }
  }

  private rename(body: Node): void {
    const type = String(body.renameType);
    const newName = typeof body.newname === 'string' ? body.newname : undefined;
    switch (type) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
      case 'OBJECT_INDEX':
      case 'OBJECT_SEQUENCE': {
        // The old name and the new one: renaming a table onto another plugin's name is a change to it.
        const relation = body.relation as Node;
        this.relation(relation, objectKind(type), 'write');
        if (newName) this.add({ kind: objectKind(type), name: newName, schema: schemaOf(relation), use: 'write' });
        break;
      }
      case 'OBJECT_SCHEMA':
        this.add({ kind: 'schema', name: String(body.subname), use: 'write' });
        if (newName) this.add({ kind: 'schema', name: newName, use: 'write' });
        break;
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const [target] = this.objects(type, [body.object], 'write');
        if (newName && target) this.add({ kind: 'enum', name: newName, schema: target.schema, use: 'write' });
        break;
      }
      default:
        // Columns, constraints, triggers, policies, rules, attributes: a change to their table (or type).
        if (body.relation) this.relation(body.relation, type === 'OBJECT_ATTRIBUTE' ? 'enum' : 'table', 'write');
        else this.objects(type, [body.object], 'write');
    }
  }

  /** Objects named by a DROP / COMMENT / GRANT / ALTER … OWNER, by the ObjectType the statement gives. */
  private objects(objectType: string, items: unknown[], use: ObjectUse): TouchedObject[] {
    const added: TouchedObject[] = [];
    for (const item of items) {
      const node = unwrap(item) as Node | undefined;
      if (node && typeof node === 'object') this.claimed.add(node);
      const touched = namedObject(objectType, node);
      if (touched) added.push(this.add({ ...touched, use }));
    }
    return added;
  }

  private relation(value: unknown, kind: ObjectKind, use: ObjectUse): void {
    const node = unwrap(value) as Node | undefined;
    if (!node || typeof node.relname !== 'string') return;
    this.claimed.add(node);
    this.add({ kind, name: node.relname, schema: schemaOf(node), use });
  }

  private typeName(node: Node): void {
    const names = list(node.names).map(stringValue);
    if (names[0] === 'pg_catalog' || (names.length === 1 && BUILT_IN_TYPES.has(names[0]!))) return;
    this.add({ ...qualifiedName(list(node.names)), kind: 'enum', use: 'reference' });
  }

  private add(touched: TouchedObject): TouchedObject {
    const clean: TouchedObject = { kind: touched.kind, name: touched.name, use: touched.use };
    if (touched.schema !== undefined) clean.schema = touched.schema;
    if (touched.table !== undefined) clean.table = touched.table;
    const seen = this.touches.some((t) => t.kind === clean.kind && t.name === clean.name && t.schema === clean.schema && t.use === clean.use);
    if (!seen) this.touches.push(clean);
    return clean;
  }
}

/** The object a DROP/COMMENT/… item names, given the statement's ObjectType. */
function namedObject(objectType: string, node: Node | undefined): Omit<TouchedObject, 'use'> | undefined {
  if (!node) return undefined;
  const kind = objectKind(objectType);
  // A RangeVar, a TypeName, an ObjectWithArgs (functions), a String (schemas, extensions, …).
  if (typeof node.relname === 'string') return { kind, name: node.relname, ...optionalSchema(schemaOf(node)) };
  if (Array.isArray(node.names)) return { kind, ...qualifiedName(node.names) };
  if (Array.isArray(node.objname)) return { kind, ...qualifiedName(node.objname) };
  if (typeof node.sval === 'string') return { kind, name: node.sval };
  // Otherwise a List of names: [schema.]name, or [schema.]table.member.
  const names = list(node);
  if (names.length === 0) return undefined;
  switch (objectType) {
    // `table.column`, `table.trigger`, …: the object is part of its table.
    case 'OBJECT_COLUMN':
    case 'OBJECT_TABCONSTRAINT':
    case 'OBJECT_TRIGGER':
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE':
      return { kind: 'table', ...qualifiedName(names.slice(0, -1)) };
    default:
      return { kind, ...qualifiedName(names) };
  }
}

function objectKind(objectType: string): ObjectKind {
  switch (objectType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_FOREIGN_TABLE':
    case 'OBJECT_COLUMN':
    case 'OBJECT_TABCONSTRAINT':
    case 'OBJECT_TRIGGER':
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE':
      return 'table';
    case 'OBJECT_INDEX':
      return 'index';
    case 'OBJECT_SEQUENCE':
      return 'sequence';
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      return 'view';
    // Types are what plugins own as enums; a domain or composite type shares their namespace.
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN':
    case 'OBJECT_DOMCONSTRAINT':
      return 'enum';
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
    case 'OBJECT_AGGREGATE':
      return 'function';
    case 'OBJECT_SCHEMA':
      return 'schema';
    default:
      return 'other';
  }
}

/** A short label for messages: "CREATE TABLE", "DROP INDEX", "ALTER TYPE … ADD VALUE". */
function label(type: string, body: Node): string {
  const object = (objectType: unknown) => String(objectType).replace(/^OBJECT_/, '').replace(/_/g, ' ');
  switch (type) {
    case 'CreateStmt':
      return 'CREATE TABLE';
    case 'IndexStmt':
      return body.concurrent === true ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX';
    case 'DropStmt':
      return `DROP ${object(body.removeType)}${body.concurrent === true ? ' CONCURRENTLY' : ''}`;
    case 'AlterTableStmt':
      return `ALTER ${object(body.objtype)}`;
    case 'RenameStmt':
      return `ALTER ${object(body.renameType)} … RENAME`;
    case 'AlterEnumStmt':
      return body.oldVal === undefined ? 'ALTER TYPE … ADD VALUE' : 'ALTER TYPE … RENAME VALUE';
    case 'CreateEnumStmt':
      return 'CREATE TYPE … AS ENUM';
    case 'TransactionStmt':
      return String(body.kind).replace(/^TRANS_STMT_/, '').replace(/_/g, ' ');
    case 'DoStmt':
      return 'DO';
    case 'ViewStmt':
      return 'CREATE VIEW';
    case 'CreateTrigStmt':
      return 'CREATE TRIGGER';
    case 'VariableSetStmt':
      return 'SET';
    case 'VacuumStmt':
      return body.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE';
    case 'CreateTableAsStmt':
      return body.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
    case 'CompositeTypeStmt':
      return 'CREATE TYPE';
    default:
      // InsertStmt → INSERT, CreateSeqStmt → CREATE SEQ, AlterDomainStmt → ALTER DOMAIN
      return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  }
}

function hasOption(options: unknown, name: string): boolean {
  return list(options).some((option) => (unwrap(option) as Node).defname === name);
}

/** `[schema, name]` String nodes (a leading catalog is dropped) as a name and its schema. */
function qualifiedName(items: unknown[]): { name: string; schema?: string } {
  const names = items.map(stringValue);
  const name = names.at(-1) ?? '';
  return names.length >= 2 ? { name, schema: names.at(-2)! } : { name };
}

/** A RangeVar's schema; a temporary relation lives in the session's own temporary schema. */
function schemaOf(relation: Node): string | undefined {
  if (typeof relation.schemaname === 'string') return relation.schemaname;
  return relation.relpersistence === 't' ? 'pg_temp' : undefined;
}

function optionalSchema(schema: string | undefined): { schema?: string } {
  return schema === undefined ? {} : { schema };
}

function stringValue(item: unknown): string {
  const node = unwrap(item) as Node | undefined;
  return typeof node?.sval === 'string' ? node.sval : '';
}

/** `{ List: { items } }` → items; `{ Type: body }` → body; arrays as they are. */
function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const node = value as Node | undefined;
  const inner = node?.List as Node | undefined;
  if (inner) return (inner.items as unknown[] | undefined) ?? [];
  if (node && Array.isArray(node.items)) return node.items as unknown[];
  return [];
}

function unwrap(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0]!) && keys[0] !== 'List') return (value as Node)[keys[0]!];
  return value;
}
