import type { Project } from '../config/load-project.ts';
import type { Database } from '../database/database.ts';
import type { DatabaseTarget } from '../database/database-url.ts';
import type { DiffEngine } from '../engine/diff-engine.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { summarizeSql } from '../sql/summarize-sql.ts';
import type { PluginState } from '../status/read-plugin-states.ts';
import { diffLiveDatabase, type LiveObjects } from './diff-live-database.ts';
import { expectedState, isUnknown } from './expected-state.ts';

/**
 * One plugin's drift:
 * - `none`: its objects in the database are exactly what its applied migrations leave;
 * - `drift`: they differ; `sql` is what would bring them back to that state;
 * - `unknown`: the expected state cannot be told (see `reason`); never reported as no drift.
 */
export interface PluginDrift {
  plugin: string;
  drift: 'none' | 'drift' | 'unknown';
  /** What the database was compared with, e.g. "the snapshot of 20261124153350_init". */
  expected: string | null;
  applied: number;
  /** Migrations on disk not applied yet: they do not count towards the expected state. */
  pending: number;
  sql: string;
  /** One line per statement of `sql`, e.g. "ALTER TABLE books". */
  summary: string[];
  reason?: string;
}

export interface DriftContext {
  project: Project;
  db: Database;
  target: DatabaseTarget;
  live: LiveObjects;
  ownership: ObjectOwnership;
  engine: DiffEngine;
}

/**
 * Compares the plugin's objects in the live database with what its applied migrations should
 * have left: the snapshot of the newest applied migration. Pending migrations at the end do not
 * matter (they have not run). A history that does not say which migrations ran (one half
 * applied, applied ones missing or renamed on disk, out of order) cannot be judged, and is
 * reported as unknown with the reason rather than replayed.
 */
export async function detectDrift(context: DriftContext, state: PluginState): Promise<PluginDrift> {
  const { plugin, migrations, status } = state;
  const base = { plugin: plugin.name, applied: status.applied.length, pending: status.pending.length + status.failed.length };
  const unclear = [
    ...status.inProgress.map((entry) => `${entry.name} is half applied`),
    ...status.missing.map((name) => `${name} is applied but its folder is gone`),
    ...status.renamed.map(({ from, to }) => `${to} was applied as ${from}`),
    ...status.outOfOrder.map((name) => `${name} is not applied but sorts before applied ones`),
  ];
  if (unclear.length > 0) {
    return { ...base, drift: 'unknown', expected: null, sql: '', summary: [], reason: `its history does not say which migrations ran (${unclear.join('; ')}); run status, and resolve that first.` };
  }
  const applied = new Set(status.applied);
  const expected = expectedState(context.project, plugin, migrations.filter((migration) => applied.has(migration.name)), context.db.provider);
  if (isUnknown(expected)) return { ...base, drift: 'unknown', expected: null, sql: '', summary: [], reason: expected.unknown };
  const sql = await diffLiveDatabase({ ...context, plugin, expected });
  if (sql === '') return { ...base, drift: 'none', expected: expected.description, sql, summary: [] };
  return { ...base, drift: 'drift', expected: expected.description, sql, summary: await summarizeSql(sql, context.db.provider) };
}
