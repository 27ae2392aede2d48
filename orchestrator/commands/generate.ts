import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { createDiffEngine, type DiffEngineKind } from '../engine/create-diff-engine.ts';
import { PreviousStateDeriver } from '../generate/derive-previous-state.ts';
import { planMigration, readProjectSchemas, writePlannedMigrations, type PlannedMigration } from '../generate/plan-migrations.ts';
import { writeDerivedSnapshots } from '../generate/write-derived-snapshots.ts';
import { countTableRows } from '../generate/count-table-rows.ts';
import { describeDataLoss, findPlannedDataLoss } from '../generate/find-data-loss.ts';
import { confirmDataLoss } from '../ui/confirm.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runTasks } from '../ui/run-tasks.ts';
import { clientCommand } from './client.ts';

export interface GenerateOptions {
  name?: string;
  /** Which engine diffs the schemas (default: wasm, in-process). */
  engine?: DiffEngineKind;
  /** Also generate each selected plugin's Prisma Client. */
  client?: boolean;
  /** Write no migration; only the derived snapshot of plugins whose migrations have none. */
  snapshotOnly?: boolean;
  /** Write migrations that may lose data without asking (--accept-data-loss). */
  acceptDataLoss?: boolean;
  /** DATABASE_URL was given: data-loss warnings say how many rows the affected tables hold (read only). */
  countRows?: boolean;
}

/**
 * `generate [plugin...] [--name <message>]`: writes one migration per plugin whose models
 * changed. Every plugin is diffed before any file is written, so an error in one plugin
 * leaves every migrations folder as it was.
 */
export async function generateCommand(project: Project, pluginNames: string[], options: GenerateOptions): Promise<string> {
  const all = discoverPlugins(project.pluginsDir);
  const selected = selectPlugins(all, pluginNames);
  const schemas = readProjectSchemas(project, all);
  const engine = await createDiffEngine(options.engine ?? 'wasm');
  const deriver = new PreviousStateDeriver(project, all, engine);
  const planned: PlannedMigration[] = [];
  const now = new Date();
  try {
    await runTasks(
      selected.map((plugin) => ({
        title: `${plugin.name}: diffing`,
        async run() {
          const migration = await planMigration(project, engine, deriver, plugin, schemas, options.name, now);
          planned.push(migration);
          const derived = migration.derivedFrom ? ` (previous state derived by replaying its migrations, which have no snapshot.prisma)` : '';
          return migration.name ? `${plugin.name}: new migration ${migration.name}${derived}` : `${plugin.name}: no changes${derived}`;
        },
      })),
    );
  } finally {
    await deriver.close();
    await engine.close();
  }
  if (options.snapshotOnly) {
    const snapshots = writeDerivedSnapshots(project, planned);
    if (snapshots.length === 0) return `No snapshots to write: every selected plugin's migrations already have one (or it has none yet).`;
    return `Wrote ${snapshots.length} snapshot(s):\n${snapshots.map((file) => `  ${file}`).join('\n')}`;
  }
  const accepted = await confirmPlannedDataLoss(project, planned, options);
  const written = writePlannedMigrations(project, planned);
  const clients = options.client ? `\n${await clientCommand(project, pluginNames)}` : '';
  if (written.length === 0) return `No changes: ${selected.length} plugin(s) match their latest migration.${clients}`;
  return `${accepted}Wrote ${written.length} migration(s):\n${written.map((dir) => `  ${path.relative(project.root, dir)}/migration.sql`).join('\n')}${clients}`;
}

/**
 * Before anything is written: a migration that drops, narrows, recreates or adds a required
 * column needs --accept-data-loss or a typed "yes" (CONFIRMATION_REQUIRED otherwise). Returns
 * the warnings to print once accepted by flag (a terminal already showed them).
 */
async function confirmPlannedDataLoss(project: Project, planned: PlannedMigration[], options: GenerateOptions): Promise<string> {
  const warnings = await findPlannedDataLoss(planned, project.provider);
  if (warnings.length === 0) return '';
  const rows = options.countRows ? await countTableRows(project.databaseUrl, project.root, warnings.map((warning) => warning.table)) : undefined;
  const unread = rows && 'error' in rows ? `\n(Row counts could not be read from the database: ${rows.error})` : '';
  const summary = `The new migration(s) may lose data:\n${describeDataLoss(warnings, rows && 'counts' in rows ? rows.counts : undefined)}${unread}`;
  await confirmDataLoss({ summary, flag: '--accept-data-loss', ...(options.acceptDataLoss ? { yes: true } : {}) });
  return options.acceptDataLoss ? `${summary}\nAccepted (--accept-data-loss).\n` : '';
}
