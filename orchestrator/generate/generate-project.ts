import path from 'node:path';
import type { CommandContext } from '../context/command-context.ts';
import { reportTask } from '../context/progress-event.ts';
import { createDiffEngine, type DiffEngineKind } from '../engine/create-diff-engine.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { PreviousStateDeriver } from './derive-previous-state.ts';
import { planMigration, readProjectSchemas, writePlannedMigrations, type PlannedMigration } from './plan-migrations.ts';
import { MigrationStage } from './migration-stage.ts';
import { writeDerivedSnapshots } from './write-derived-snapshots.ts';
import { countTableRows } from './count-table-rows.ts';
import { type DataLossWarning, describeDataLoss, findPlannedDataLoss } from './find-data-loss.ts';

export interface GenerateOptions {
  /** Migration name, as in `<timestamp>_<name>` (default: init, then update). */
  name?: string;
  /** Which engine diffs the schemas (default: wasm, in-process). */
  engine?: DiffEngineKind;
  /** Write no migration; only the derived snapshot of plugins whose migrations have none. */
  snapshotOnly?: boolean;
  /**
   * Write migrations that may lose data (a dropped table or column, a changed type, a required
   * column without a default, a rebuilt SQLite table) without asking; otherwise `context.confirm`
   * decides (the CLI asks on a terminal; from code it is refused: CONFIRMATION_REQUIRED).
   */
  acceptDataLoss?: boolean;
  /** The data-loss warning says how many rows each affected table holds in the project's database (read only). */
  countRows?: boolean;
}

/** One selected plugin's outcome. */
export interface PluginGenerateReport {
  plugin: string;
  /** The new migration's folder name, or null when the models match the latest migration. */
  migration: string | null;
  /** The new migration's folder, relative to the project; null when none was written. */
  migrationDir: string | null;
  /** Set when no migration had a snapshot and the previous state was derived by replaying them: the newest of them. */
  derivedFrom?: string;
}

export interface GenerateReport {
  plugins: PluginGenerateReport[];
  /** The migration folders written, relative to the project (none with snapshotOnly). */
  written: string[];
  /** snapshotOnly: the snapshot files written, relative to the project. */
  snapshots: string[];
  /** The data-loss warning the written migrations were accepted with, if any. */
  dataLoss?: string;
}

/**
 * Writes one migration per selected plugin whose models changed. Every plugin is diffed before
 * any file is written, so an error in one plugin (thrown) leaves every migrations folder as it was.
 */
export async function generateProject(context: CommandContext, options: GenerateOptions): Promise<GenerateReport> {
  const { project } = context;
  const all = discoverPlugins(project.pluginsDir);
  const selected = selectPlugins(all, context.pluginNames);
  // Started first: worker threads, if any, start while the schemas are read.
  const engine = await createDiffEngine(options.engine ?? 'wasm', selected.length);
  const planned: PlannedMigration[] = [];
  const now = new Date();
  let deriver: PreviousStateDeriver | undefined;
  // Plugins are planned up to engine.parallelism ahead, so their diffs run at once, and reported in order.
  const ahead = new Map<Plugin, Promise<PlannedMigration>>();
  // While plugins are planned ahead, this thread mostly waits for diffs: it writes each new folder meanwhile.
  const stage = !options.snapshotOnly && engine.parallelism > 1 ? MigrationStage.open(project.pluginsDir) : undefined;
  const dataLossChecks: Promise<DataLossWarning[]>[] = [];
  try {
    const schemas = readProjectSchemas(project, all);
    deriver = new PreviousStateDeriver(project, all, engine);
    let next = 0;
    const planAhead = (until: number) => {
      for (; next < Math.min(until, selected.length); next++) {
        const plugin = selected[next]!;
        const planning = planMigration(project, engine, deriver!, plugin, schemas, options.name, now);
        // Awaited in order below; a later plugin's failure must not go unhandled meanwhile.
        planning.catch(() => {});
        ahead.set(plugin, planning);
      }
    };
    for (const [index, plugin] of selected.entries()) {
      planAhead(index + Math.max(1, engine.parallelism));
      await reportTask(context.progress, { command: 'generate', plugin: plugin.name, title: `${plugin.name}: diffing` }, async () => {
        const planning = ahead.get(plugin)!;
        ahead.delete(plugin);
        const migration = await planning;
        planned.push(migration);
        stage?.stage(migration);
        if (!options.snapshotOnly) {
          // Read while other plugins are still diffed; its outcome (or error) is taken once all are planned.
          const checking = findPlannedDataLoss([migration], project.provider);
          checking.catch(() => {});
          dataLossChecks.push(checking);
        }
        const derived = migration.derivedFrom ? ` (previous state derived by replaying its migrations, which have no snapshot.prisma)` : '';
        return { value: migration, summary: migration.name ? `${plugin.name}: new migration ${migration.name}${derived}` : `${plugin.name}: no changes${derived}` };
      });
    }
  } catch (error) {
    stage?.discard();
    throw error;
  } finally {
    // After a failure, the plugins planned ahead finish (or fail) before their engine goes away.
    await Promise.allSettled(ahead.values());
    await deriver?.close();
    await engine.close();
  }
  let dataLoss: string | undefined;
  let written: string[];
  try {
    dataLoss = options.snapshotOnly ? undefined : await confirmPlannedDataLoss(context, (await Promise.all(dataLossChecks)).flat(), options);
    written = options.snapshotOnly ? [] : writePlannedMigrations(project, planned, stage).map((dir) => path.relative(project.root, dir));
  } finally {
    // What was moved into place is gone from it; the rest (all of it, when refused) goes.
    stage?.discard();
  }
  const snapshots = options.snapshotOnly ? writeDerivedSnapshots(project, planned) : [];
  return {
    plugins: planned.map((migration) => ({
      plugin: migration.plugin.name,
      migration: options.snapshotOnly ? null : migration.name,
      migrationDir: options.snapshotOnly || !migration.name ? null : path.relative(project.root, path.join(migration.plugin.migrationsDir, migration.name)),
      ...(migration.derivedFrom ? { derivedFrom: migration.derivedFrom.name } : {}),
    })),
    written,
    snapshots,
    ...(dataLoss ? { dataLoss } : {}),
  };
}

/**
 * Before anything is written: a migration that drops, narrows, recreates or adds a required
 * column needs acceptDataLoss (--accept-data-loss) or a typed "yes". Returns the warning.
 */
async function confirmPlannedDataLoss(context: CommandContext, warnings: DataLossWarning[], options: GenerateOptions): Promise<string | undefined> {
  const { project } = context;
  if (warnings.length === 0) return undefined;
  const rows = options.countRows ? await countTableRows(project.databaseUrl, project.root, warnings.map((warning) => warning.table)) : undefined;
  const unread = rows && 'error' in rows ? `\n(Row counts could not be read from the database: ${rows.error})` : '';
  const summary = `The new migration(s) may lose data:\n${describeDataLoss(warnings, rows && 'counts' in rows ? rows.counts : undefined)}${unread}`;
  await context.confirm({ summary, yes: options.acceptDataLoss === true, flag: '--accept-data-loss', option: 'acceptDataLoss' });
  return summary;
}
