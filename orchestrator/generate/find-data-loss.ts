import type { Provider } from '../config/provider.ts';
import type { DataLossRisk, MigrationPlan, PlannedStatement } from '../sql/migration-plan.ts';
import { planMigration } from '../sql/plan-migration.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';
import { previewStatement } from '../sql/sql-text.ts';

/** One change of a migration about to be written that may lose data, named for the user. */
export interface DataLossWarning {
  plugin: string;
  migration: string;
  /** `recreate-table`: the table is dropped and rebuilt under its name (SQLite's `new_<Table>` copy). */
  kind: DataLossRisk['kind'] | 'recreate-table';
  table: string;
  column?: string;
  /** 1-based line of the statement in migration.sql. */
  line: number;
  statement: string;
}

/**
 * The risky changes of one migration's plan, as its dialect read them from the parse tree. A
 * table dropped and then written again under the same name later in the migration (created, or
 * renamed into: the engine's table rebuild on SQLite) is reported once, as recreated, since its
 * rows are copied rather than gone.
 */
export function findDataLoss(plugin: string, migration: string, plan: MigrationPlan): DataLossWarning[] {
  const key = sqlDialectFor(plan.provider).nameKey;
  const recreatedLater = (statement: PlannedStatement, table: string) =>
    plan.statements.some((later) => later.index > statement.index && later.touches.some((t) => t.kind === 'table' && t.use === 'write' && key(t.name) === key(table)) && !(later.risks ?? []).some((r) => r.kind === 'drop-table' && key(r.table) === key(table)));
  return plan.statements.flatMap((statement) =>
    (statement.risks ?? []).map((risk) => ({
      plugin,
      migration,
      kind: risk.kind === 'drop-table' && recreatedLater(statement, risk.table) ? 'recreate-table' : risk.kind,
      table: risk.table,
      ...(risk.column === undefined ? {} : { column: risk.column }),
      line: statement.line,
      statement: statement.sql,
    })),
  );
}

const DESCRIPTIONS: Record<DataLossWarning['kind'], (w: DataLossWarning) => string> = {
  'drop-table': (w) => `drops table "${w.table}" and its rows`,
  'drop-column': (w) => `drops column "${w.column}" of table "${w.table}" and its values`,
  'change-type': (w) => `changes the type of column "${w.column}" of table "${w.table}": values that do not fit the new type are cut or make the migration fail`,
  'required-column': (w) => `adds the required column "${w.column}" to table "${w.table}" without a default: the migration fails if the table holds rows`,
  'set-not-null': (w) => `makes column "${w.column}" of table "${w.table}" required: the migration fails while it holds NULLs`,
  'recreate-table': (w) => `recreates table "${w.table}" (copies its rows into a new table, drops the old one): columns the copy leaves out lose their values, and a new required column without a default fails on rows`,
};

/**
 * The warnings as lines for the confirmation: plugin, migration, what each statement does, and
 * (when a database was read) how many rows each table holds.
 */
export function describeDataLoss(warnings: DataLossWarning[], rowCounts?: Map<string, number | undefined>): string {
  const lines: string[] = [];
  let heading: string | undefined;
  warnings.forEach((warning, i) => {
    const current = `Plugin "${warning.plugin}", migration ${warning.migration}:`;
    if (current !== heading) lines.push(current);
    heading = current;
    const count = rowCounts?.get(warning.table);
    const rows = !rowCounts ? '' : count === undefined ? ` (${warning.table} is not in the database yet)` : ` (${warning.table} holds ${count} row${count === 1 ? '' : 's'})`;
    lines.push(`  line ${warning.line}: ${DESCRIPTIONS[warning.kind](warning)}${rows}`);
    // A statement with several risky changes (one ALTER TABLE) is quoted once, after the last.
    const next = warnings[i + 1];
    if (next?.migration !== warning.migration || next.plugin !== warning.plugin || next.line !== warning.line) lines.push(`    ${previewStatement(warning.statement).replace(/\n/g, '\n  ')}`);
  });
  return lines.join('\n');
}

/** The warnings of every migration generate is about to write, each migration parsed as deploy will parse it. */
export async function findPlannedDataLoss(planned: { plugin: { name: string }; name: string | null; sql: string }[], provider: Provider): Promise<DataLossWarning[]> {
  const warnings: DataLossWarning[] = [];
  for (const migration of planned) {
    if (migration.name === null) continue;
    warnings.push(...findDataLoss(migration.plugin.name, migration.name, await planMigration(migration.sql, provider)));
  }
  return warnings;
}
