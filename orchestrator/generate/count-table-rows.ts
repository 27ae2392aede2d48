import { countRows } from '../database/database.ts';
import { withDatabase } from '../database/with-database.ts';
import { errorMessage } from '../errors.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';

/** Row counts per table name as asked (undefined: no such table yet), or why they could not be read. */
export type RowCounts = { counts: Map<string, number | undefined> } | { error: string; displayUrl?: string };

/**
 * How many rows each table holds in the database at `url`, for generate's data-loss warnings.
 * Only reads: opens without creating anything (no SQLite file, no schema) and runs COUNT(*).
 * A database that cannot be read is no reason to stop: the warning is given without counts.
 */
export async function countTableRows(url: string, projectRoot: string, tables: string[]): Promise<RowCounts> {
  try {
    return await withDatabase(url, projectRoot, { create: false, command: 'generate' }, async (db) => {
      const key = sqlDialectFor(db.provider).nameKey;
      const live = new Map((await db.listTables()).map((name) => [key(name), name]));
      const counts = new Map<string, number | undefined>();
      for (const table of new Set(tables)) {
        const name = live.get(key(table));
        if (name === undefined) {
          counts.set(table, undefined);
          continue;
        }
        counts.set(table, await countRows(db, name));
      }
      return { counts };
    });
  } catch (error) {
    return { error: errorMessage(error) };
  }
}
