import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { createDiffEngine, type DiffEngineKind } from '../engine/create-diff-engine.ts';
import { PreviousStateDeriver } from '../generate/derive-previous-state.ts';
import { planMigration, readProjectSchemas, writePlannedMigrations, type PlannedMigration } from '../generate/plan-migrations.ts';
import { writeDerivedSnapshots } from '../generate/write-derived-snapshots.ts';
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
  const written = writePlannedMigrations(project, planned);
  const clients = options.client ? `\n${await clientCommand(project, pluginNames)}` : '';
  if (written.length === 0) return `No changes: ${selected.length} plugin(s) match their latest migration.${clients}`;
  return `Wrote ${written.length} migration(s):\n${written.map((dir) => `  ${path.relative(project.root, dir)}/migration.sql`).join('\n')}${clients}`;
}
