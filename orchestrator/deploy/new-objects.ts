import type { Database } from '../database/database.ts';
import type { MigrationStep, TouchedObject } from '../sql/migration-plan.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';

/** The objects of the migrated schema that exist before a deploy runs anything, read once from the live catalog. */
export interface LiveObjects {
  /** Table and enum names (by the dialect's name key): what a step may not touch to count as new-objects-only. */
  names: Set<string>;
  /** Index name → its table, for `DROP INDEX "x"` (no table in the text) and the ownership check. */
  indexTables: Map<string, string> | undefined;
  nameKey(name: string): string;
  targetSchema: string;
}

export async function readLiveObjects(db: Database): Promise<LiveObjects> {
  const dialect = sqlDialectFor(db.provider);
  // One after another: a connection runs one query at a time.
  const tables = await db.listTables();
  const enums = await db.listEnums();
  const indexTables = db.listIndexTables ? await db.listIndexTables() : undefined;
  return {
    names: new Set([...tables, ...enums].map((name) => dialect.nameKey(name))),
    indexTables,
    nameKey: (name) => dialect.nameKey(name),
    targetSchema: db.schema ?? dialect.defaultSchema,
  };
}

/**
 * True when every statement of a transactional step only defines schema objects (no rows read
 * or written) and every object it touches is absent from the database before the deploy, so is
 * one the deploy itself creates: nobody else can be waiting on a lock the step takes. Such steps
 * may share one transaction without holding up the application (Database.runBatch's
 * `newObjectsOnly`); a step that touches an existing table (an ALTER, a foreign key to it, an
 * index on it) always commits on its own. The schema a first migration names
 * (`CREATE SCHEMA IF NOT EXISTS`) takes no lock and does not count.
 */
export function definesOnlyNewObjects(step: MigrationStep, live: LiveObjects): boolean {
  if (!step.transactional || step.statements.length === 0) return false;
  return step.statements.every((statement) => statement.definesSchemaOnly === true && statement.touches.every((touched) => isNew(touched, live)));
}

function isNew(touched: TouchedObject, live: LiveObjects): boolean {
  if (touched.kind === 'schema') return true;
  if (touched.schema !== undefined && live.nameKey(touched.schema) !== live.nameKey(live.targetSchema)) return false;
  switch (touched.kind) {
    case 'table':
    case 'enum':
      return !live.names.has(live.nameKey(touched.name));
    case 'index': {
      // An index is new when its table is; one the catalog already knows is not.
      if (live.indexTables === undefined || live.indexTables.has(touched.name)) return false;
      return touched.table !== undefined && !live.names.has(live.nameKey(touched.table));
    }
    default:
      return false;
  }
}
