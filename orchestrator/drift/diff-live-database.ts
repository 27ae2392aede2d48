import type { Database } from '../database/database.ts';
import type { DatabaseTarget } from '../database/database-url.ts';
import type { DiffEngine } from '../engine/diff-engine.ts';
import { disposable } from '../engine/disposable-adapter.ts';
import { readOnlyAdapterFactory } from '../engine/url-adapter-factory.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { historyTableName, type Plugin } from '../plugins/plugin.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';
import type { ExpectedState } from './expected-state.ts';

/** The tables and enums in the live schema, listed once per run. */
export interface LiveObjects {
  tables: string[];
  enums: string[];
}

export async function listLiveObjects(db: Database): Promise<LiveObjects> {
  return { tables: await db.listTables(), enums: await db.listEnums() };
}

export interface LiveDiffInput {
  db: Database;
  target: DatabaseTarget;
  live: LiveObjects;
  plugin: Plugin;
  expected: ExpectedState;
  ownership: ObjectOwnership;
  engine: DiffEngine;
}

/**
 * The SQL that would turn the plugin's objects in the live database into `expected`: empty when
 * they match. Prisma's engine reads the live schema (`schemaDatasource`, through a read-only
 * connection) and diffs it to the expected schema, with every object that is not the plugin's
 * as an external: other plugins' tables and enums, history tables, the application's own
 * tables, and the dependency copies in the snapshot. The plugin's objects are those its
 * expected state declares plus those the ownership model gives it now (a table of its models
 * made by hand before any migration created it is drift too).
 */
export async function diffLiveDatabase(input: LiveDiffInput): Promise<string> {
  const { db, plugin, expected, ownership, live } = input;
  const key = (name: string) => sqlDialectFor(db.provider).nameKey(name);
  const owned = (map: Map<string, string>) => [...map].filter(([, owner]) => owner === plugin.name).map(([name]) => name);
  const ownTables = new Set([...expected.ownTables, ...owned(ownership.tables)].filter((table) => table !== historyTableName(plugin.name)).map(key));
  const ownEnums = new Set([...expected.ownEnums, ...owned(ownership.enums)].map(key));
  const externalTables = unique([...live.tables, ...expected.foreignTables]).filter((table) => !ownTables.has(key(table)));
  const externalEnums = unique([...live.enums, ...expected.foreignEnums]).filter((name) => !ownEnums.has(key(name)));
  const adapter = disposable(readOnlyAdapterFactory(input.target, db.schema));
  try {
    return await input.engine.diff({
      plugin: plugin.name,
      provider: db.provider,
      from: { database: { adapter, ...(db.schema ? { namespace: db.schema } : {}) } },
      to: expected.files,
      externalTables,
      externalEnums,
    });
  } finally {
    await adapter.disposeAll();
  }
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
