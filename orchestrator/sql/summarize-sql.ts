import type { Provider } from '../config/provider.ts';
import { planMigration } from './plan-migration.ts';

/** A summary line's length: enough for `ALTER TABLE "books" ADD COLUMN "isbn" TEXT`, never a whole CREATE TABLE. */
const LINE_LIMIT = 100;

/**
 * One short line per statement of a script the engine wrote, split with the database's own
 * grammar: the statement on one line, cut at LINE_LIMIT, e.g. `ALTER TABLE "books" ADD COLUMN
 * "isbn" TEXT`. Statements that change no object (SQLite's PRAGMAs around a table rebuild) are
 * left out. For reports that name what a script would do without printing all of it (check, drift).
 */
export async function summarizeSql(sql: string, provider: Provider): Promise<string[]> {
  const plan = await planMigration(sql, provider);
  return plan.statements.flatMap((statement) => {
    if (!statement.touches.some((touched) => touched.use === 'write')) return [];
    const line = statement.sql.replace(/\s+/g, ' ').trim().replace(/;$/, '');
    return [line.length > LINE_LIMIT ? `${line.slice(0, LINE_LIMIT)}…` : line];
  });
}
