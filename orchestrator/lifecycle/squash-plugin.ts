import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import type { DiffEngine } from '../engine/diff-engine.ts';
import { OrchestratorError } from '../errors.ts';
import { SNAPSHOT_FILE, listMigrations, nextMigrationName, readLatestSnapshot, readLockedProvider, writeMigration } from '../migrations/migrations-folder.ts';
import { writeReplaces, type ReplacedMigration } from '../migrations/replaces-file.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readSnapshot } from '../schema/read-snapshot.ts';

export interface SquashResult {
  plugin: string;
  /** The squashed migration's folder name; null when there was nothing to squash (fewer than two migrations). */
  name: string | null;
  /** The migrations it replaces, oldest first (their folders are removed). */
  replaced: string[];
  /** The squashed migration's folder. */
  dir?: string;
}

/**
 * `squash <plugin>`: replaces the plugin's migrations with one that creates, from an empty
 * database, the schema they leave behind (the newest snapshot.prisma), diffed by the same engine
 * and with the same isolation as generate: the dependencies' tables and enums in the snapshot are
 * external, never created. Beside it, replaces.json lists what it replaces, so a database that
 * applied all of them records it without running it (status and deploy read it), a fresh
 * database runs it, and one that applied only some is refused.
 *
 * Only the schema is carried over: data statements a replaced migration ran (a backfill) are not,
 * as with Prisma's squashing. The newest migration must have a snapshot (one written by hand
 * after it may change what no snapshot shows).
 */
export async function squashPlugin(project: Project, engine: DiffEngine, plugin: Plugin, message: string | undefined, now: Date = new Date()): Promise<SquashResult> {
  const migrations = listMigrations(plugin);
  if (migrations.length < 2) return { plugin: plugin.name, name: null, replaced: migrations.map((m) => m.name) };
  const newest = migrations.at(-1)!;
  const snapshot = readLatestSnapshot([newest]);
  if (!snapshot) {
    throw new OrchestratorError('SNAPSHOT_MISSING', `Plugin "${plugin.name}": its newest migration ${newest.name} has no ${SNAPSHOT_FILE} (it was written by hand), so squash cannot know the schema the migrations leave behind. Nothing was changed.`, {
      fix: `If the models match what the migrations leave behind, run "orchestrator generate ${plugin.name} --snapshot-only" first; otherwise run "orchestrator generate ${plugin.name}" so the newest migration carries a snapshot. Then squash again.`,
    });
  }
  const provider = readLockedProvider(plugin) ?? project.provider;
  const snapshotPath = path.relative(project.root, snapshot.path).split(path.sep).join('/');
  const state = readSnapshot(plugin.name, { path: snapshotPath, content: snapshot.content });
  const sql = await engine.diff({
    plugin: plugin.name,
    provider,
    from: null,
    to: [{ path: snapshotPath, content: snapshot.content }],
    externalTables: [...state.foreignTables],
    externalEnums: [...state.foreignEnums],
  });
  const name = nextMigrationName(migrations, message ?? 'squashed', now);
  const replaces: ReplacedMigration[] = migrations.map((m) => (m.replaces ? { name: m.name, replaces: m.replaces } : { name: m.name }));
  // Written in full before the old folders go: interrupted between, both are there, and deploy still records the squash on a database that applied them.
  const dir = writeMigration(plugin, name, sql, snapshot.content, provider);
  writeReplaces(dir, replaces);
  for (const migration of migrations) rmSync(migration.dir, { recursive: true, force: true });
  return { plugin: plugin.name, name, replaced: migrations.map((m) => m.name), dir };
}
