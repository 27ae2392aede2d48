import type { LiveForeignKey } from '../database/database.ts';
import type { MigrationPlan } from '../sql/migration-plan.ts';
import type { SqlDialect } from '../sql/sql-dialect.ts';

/**
 * The tables a script leaves dropped: named by a DROP TABLE and written by no later statement.
 * SQLite's table rebuild (create `new_x`, copy, drop `x`, rename `new_x` to `x`) writes `x` again
 * in its rename, so a rebuilt table is not counted as removed.
 */
export function removedTables(plans: MigrationPlan[], dialect: SqlDialect): Set<string> {
  const removed = new Set<string>();
  for (const statement of plans.flatMap((plan) => plan.statements)) {
    const tables = statement.touches.filter((touched) => touched.kind === 'table' && touched.use === 'write').map((touched) => dialect.nameKey(touched.name));
    if (statement.kind.startsWith('DROP TABLE')) for (const table of tables) removed.add(table);
    else for (const table of tables) removed.delete(table);
  }
  return removed;
}

/**
 * Foreign keys into a table the rollback removes, held by a table of another plugin (or one the
 * application made by hand): they would point at nothing. The plugin's own tables are left out:
 * its down scripts drop their foreign keys themselves.
 */
export function dependentLinks(links: LiveForeignKey[], removed: ReadonlySet<string>, ownTable: (table: string) => boolean, dialect: SqlDialect): LiveForeignKey[] {
  return links.filter((link) => removed.has(dialect.nameKey(link.references)) && !removed.has(dialect.nameKey(link.table)) && !ownTable(link.table));
}
