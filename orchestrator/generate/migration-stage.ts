import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeMigrationFiles } from '../migrations/migrations-folder.ts';
import type { PlannedMigration } from './plan-migrations.ts';

/**
 * Where generate writes each new migration folder as soon as its plugin is planned, while the
 * engine still diffs the others (the main thread would only wait): a temporary folder on the
 * plugins' file system. Once every plugin is planned, and any data loss accepted, each folder
 * moves into place with one rename, which is a fraction of the cost of writing its files. Until
 * then no migrations folder is touched, as before. On another file system nothing is staged:
 * the folders are written at the end.
 */
export class MigrationStage {
  private readonly folders = new Map<PlannedMigration, string>();

  private constructor(private readonly dir: string | undefined) {}

  static open(pluginsDir: string): MigrationStage {
    try {
      if (statSync(tmpdir()).dev !== statSync(pluginsDir).dev) return new MigrationStage(undefined);
      return new MigrationStage(mkdtempSync(path.join(tmpdir(), 'orchestrator-generate-')));
    } catch {
      return new MigrationStage(undefined);
    }
  }

  /** Writes a planned migration's folder here, if it has one; one that cannot be is written in place at the end. */
  stage(migration: PlannedMigration): void {
    if (!this.dir || migration.name === null) return;
    // Flat (plugin and migration names hold no dot), so that once all are moved out the stage is one empty folder.
    const folder = path.join(this.dir, `${migration.plugin.name}.${migration.name}`);
    try {
      writeMigrationFiles(folder, migration.sql, migration.snapshot, migration.downSql);
      this.folders.set(migration, folder);
    } catch {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  folderOf(migration: PlannedMigration): string | undefined {
    return this.folders.get(migration);
  }

  /** Removes what was not moved into place (all of it, after a failure). */
  discard(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
