import type { Provider } from '../config/provider.ts';
import { planMigration } from './plan-migration.ts';

/**
 * One short line per statement of a script the engine wrote, read with the database's own
 * grammar: its kind and the objects it changes, e.g. `ALTER TABLE books`. Statements that
 * change no object are left out. For reports that
 * name what a script would do without printing all of it (check, drift).
 */
export async function summarizeSql(sql: string, provider: Provider): Promise<string[]> {
  const plan = await planMigration(sql, provider);
  // Statements that change no object (SQLite's PRAGMAs around a table rebuild) say nothing here.
  return plan.statements.flatMap((statement) => {
    const written = [...new Set(statement.touches.filter((touched) => touched.use === 'write').map((touched) => touched.name))];
    return written.length > 0 ? [`${statement.kind} ${written.join(', ')}`] : [];
  });
}
