import type { TestDatabase } from './test-databases.ts';

/**
 * What a database's schema is, read from the database's own catalog and normalized so two
 * databases built by different routes (one migration per plugin and version, or one monolithic
 * script from empty) can be compared. The orchestrator's history tables (`_prisma_migrations*`)
 * are left out: a monolith has none.
 *
 * Column order is not compared: a column added by a later migration comes last, where a schema
 * applied from empty puts it where the model declares it. Prisma Migrate itself treats both as
 * the same schema. Everything else is: types, nullability, defaults, keys, indexes (name,
 * columns, uniqueness, and on PostgreSQL the full definition), foreign keys (columns, target,
 * referential actions; on PostgreSQL also the name) and PostgreSQL enums with their values in order.
 * SQLite's pragmas carry neither foreign key names nor AUTOINCREMENT, so those are not compared there.
 */
export interface Catalog {
  tables: Record<string, TableCatalog>;
  /** PostgreSQL enum types, values in their declared order; SQLite has none. */
  enums: Record<string, string[]>;
  /** PostgreSQL sequences (those behind autoincrement columns); SQLite has none. */
  sequences: string[];
}

export interface TableCatalog {
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  primaryKey: string;
  /** Keyed by index name; on SQLite an inline UNIQUE constraint's automatic index is keyed by its columns. */
  indexes: Record<string, string>;
  /** On PostgreSQL keyed by constraint name; SQLite's catalog keeps no foreign key names, so there by columns. */
  foreignKeys: Record<string, string>;
  /** Other constraints (PostgreSQL CHECK, EXCLUDE, UNIQUE constraints), by name; SQLite: table options. */
  other: Record<string, string>;
}

const HISTORY_PREFIX = '_prisma_migrations';

export async function readCatalog(db: TestDatabase): Promise<Catalog> {
  return db.provider === 'sqlite' ? readSqliteCatalog(db) : readPostgresCatalog(db);
}

function emptyTable(): TableCatalog {
  return { columns: {}, primaryKey: '', indexes: {}, foreignKeys: {}, other: {} };
}

async function readSqliteCatalog(db: TestDatabase): Promise<Catalog> {
  // Table-valued pragmas join against sqlite_master, so each aspect is one query for all tables.
  const userTables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND substr(name, 1, ${HISTORY_PREFIX.length}) <> '${HISTORY_PREFIX}'`;
  const tables: Record<string, TableCatalog> = {};
  for (const row of await db.query<{ name: string; strict: number; wr: number }>(`SELECT t.name, l.strict, l.wr FROM (${userTables}) t JOIN pragma_table_list l ON l.name = t.name AND l.schema = 'main'`)) {
    tables[row.name] = emptyTable();
    tables[row.name]!.other.options = `strict=${row.strict} without_rowid=${row.wr}`;
  }
  const columns = await db.query<{ tbl: string; name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
    `SELECT t.name AS tbl, c.name, c.type, c."notnull", c.dflt_value, c.pk FROM (${userTables}) t JOIN pragma_table_info(t.name) c ORDER BY t.name, c.pk`,
  );
  for (const column of columns) {
    const table = tables[column.tbl]!;
    table.columns[column.name] = { type: column.type, nullable: column.notnull === 0 && column.pk === 0, default: column.dflt_value };
    if (column.pk > 0) table.primaryKey = table.primaryKey ? `${table.primaryKey}, ${column.name}` : column.name;
  }
  const indexes = await db.query<{ tbl: string; name: string; unique: number; origin: string; partial: number; cols: string }>(
    `SELECT t.name AS tbl, i.name, i."unique", i.origin, i.partial,
            (SELECT group_concat(x.name || CASE WHEN x."desc" THEN ' DESC' ELSE '' END, ', ') FROM (SELECT * FROM pragma_index_xinfo(i.name) WHERE key = 1 ORDER BY seqno) x) AS cols
       FROM (${userTables}) t JOIN pragma_index_list(t.name) i`,
  );
  for (const index of indexes) {
    // The primary key's automatic index is the primary key, recorded above.
    if (index.origin === 'pk') continue;
    const key = index.origin === 'u' ? `UNIQUE constraint (${index.cols})` : index.name;
    tables[index.tbl]!.indexes[key] = `${index.unique ? 'UNIQUE ' : ''}(${index.cols})${index.partial ? ' partial' : ''}`;
  }
  const foreignKeys = await db.query<{ tbl: string; id: number; seq: number; table: string; from: string; to: string; on_update: string; on_delete: string }>(
    `SELECT t.name AS tbl, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete FROM (${userTables}) t JOIN pragma_foreign_key_list(t.name) f ORDER BY t.name, f.id, f.seq`,
  );
  const grouped = new Map<string, typeof foreignKeys>();
  for (const fk of foreignKeys) grouped.set(`${fk.tbl}\0${fk.id}`, [...(grouped.get(`${fk.tbl}\0${fk.id}`) ?? []), fk]);
  for (const parts of grouped.values()) {
    const first = parts[0]!;
    const from = parts.map((part) => part.from).join(', ');
    tables[first.tbl]!.foreignKeys[`(${from})`] = `REFERENCES ${first.table}(${parts.map((part) => part.to).join(', ')}) ON DELETE ${first.on_delete} ON UPDATE ${first.on_update}`;
  }
  return { tables, enums: {}, sequences: [] };
}

async function readPostgresCatalog(db: TestDatabase): Promise<Catalog> {
  const userTables = `SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND left(c.relname, ${HISTORY_PREFIX.length}) <> '${HISTORY_PREFIX}'`;
  const tables: Record<string, TableCatalog> = {};
  for (const row of await db.query<{ relname: string }>(userTables)) tables[row.relname] = emptyTable();
  const columns = await db.query<{ tbl: string; name: string; type: string; notnull: boolean; dflt: string | null; identity: string; generated: string }>(
    `SELECT t.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS identity, a.attgenerated AS generated
       FROM (${userTables}) t JOIN pg_attribute a ON a.attrelid = t.oid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
  );
  for (const column of columns) {
    const extra = [column.identity ? `identity ${column.identity}` : '', column.generated ? `generated ${column.generated}` : ''].filter(Boolean).join(' ');
    tables[column.tbl]!.columns[column.name] = { type: extra ? `${column.type} ${extra}` : column.type, nullable: !column.notnull, default: column.dflt };
  }
  const constraints = await db.query<{ tbl: string; name: string; type: string; def: string }>(
    `SELECT t.relname AS tbl, con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS def
       FROM (${userTables}) t JOIN pg_constraint con ON con.conrelid = t.oid`,
  );
  for (const constraint of constraints) {
    const table = tables[constraint.tbl]!;
    if (constraint.type === 'p') table.primaryKey = `${constraint.name} ${constraint.def}`;
    else if (constraint.type === 'f') table.foreignKeys[constraint.name] = constraint.def;
    else table.other[constraint.name] = `${constraint.type}: ${constraint.def}`;
  }
  const indexes = await db.query<{ tbl: string; name: string; def: string; primary: boolean }>(
    `SELECT t.relname AS tbl, i.relname AS name, pg_get_indexdef(ix.indexrelid) AS def, ix.indisprimary AS primary
       FROM (${userTables}) t JOIN pg_index ix ON ix.indrelid = t.oid JOIN pg_class i ON i.oid = ix.indexrelid`,
  );
  // The definition names the index and its table, and holds uniqueness, method, columns, order, predicate.
  for (const index of indexes) if (!index.primary) tables[index.tbl]!.indexes[index.name] = index.def;
  const enums: Record<string, string[]> = {};
  for (const row of await db.query<{ name: string; label: string }>(
    `SELECT t.typname AS name, e.enumlabel AS label FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       JOIN pg_enum e ON e.enumtypid = t.oid WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder`,
  )) {
    (enums[row.name] ??= []).push(row.label);
  }
  const sequences = (
    await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'S'
          AND left(c.relname, ${HISTORY_PREFIX.length}) <> '${HISTORY_PREFIX}' ORDER BY c.relname`,
    )
  ).map((row) => row.relname);
  return { tables, enums, sequences };
}

/**
 * The differences between two catalogs, one readable line each, e.g.
 * `tables.orders.columns.total.type: deployed "numeric(10,2)", monolith "numeric(12,2)"` or
 * `tables.brands: only in deployed`. Empty when the schemas are the same.
 */
export function diffCatalogs(actual: Catalog, expected: Catalog, labels: [string, string] = ['deployed', 'monolith']): string[] {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (isRecord(a) && isRecord(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        const where = at ? `${at}.${key}` : key;
        if (!(key in b)) lines.push(`${where}: only in ${labels[0]}`);
        else if (!(key in a)) lines.push(`${where}: only in ${labels[1]}`);
        else walk(a[key], b[key], where);
      }
      return;
    }
    const [left, right] = [JSON.stringify(a), JSON.stringify(b)];
    if (left !== right) lines.push(`${at}: ${labels[0]} ${left}, ${labels[1]} ${right}`);
  };
  walk(actual, expected, '');
  return lines;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
