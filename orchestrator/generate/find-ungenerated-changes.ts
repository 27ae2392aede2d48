import type { Project } from '../config/load-project.ts';
import { createDiffEngine } from '../engine/create-diff-engine.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { summarizeSql } from '../sql/summarize-sql.ts';
import { PreviousStateDeriver } from './derive-previous-state.ts';
import { planMigration, readProjectSchemas } from './plan-migrations.ts';

/** A plugin whose models differ from its latest migration: what generate would write for it. */
export interface UngeneratedChange {
  plugin: string;
  sql: string;
  /** One line per statement, e.g. "ALTER TABLE books". */
  summary: string[];
}

export interface CheckResult {
  /** Every plugin checked, in dependency order. */
  checked: string[];
  changes: UngeneratedChange[];
}

/**
 * generate's planning (same schemas, same engine, same checks) with nothing written: the
 * plugins for which generate would write a migration now, and the SQL it would hold. No
 * database is opened (except generate's scratch one for migrations without a snapshot).
 */
export async function findUngeneratedChanges(project: Project, all: Plugin[], selected: Plugin[]): Promise<CheckResult> {
  const schemas = readProjectSchemas(project, all);
  const engine = await createDiffEngine('wasm');
  const deriver = new PreviousStateDeriver(project, all, engine);
  const changes: UngeneratedChange[] = [];
  try {
    for (const plugin of selected) {
      const planned = await planMigration(project, engine, deriver, plugin, schemas, undefined, new Date());
      if (planned.name !== null) changes.push({ plugin: plugin.name, sql: planned.sql, summary: await summarizeSql(planned.sql, project.provider) });
    }
  } finally {
    await deriver.close();
    await engine.close();
  }
  return { checked: selected.map((plugin) => plugin.name), changes };
}
