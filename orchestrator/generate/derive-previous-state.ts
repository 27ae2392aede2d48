import path from 'node:path';
import { previewStatement } from '../sql/sql-text.ts';
import type { Project } from '../config/load-project.ts';
import type { DiffEngine, ScratchDatabaseSource } from '../engine/diff-engine.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import { SNAPSHOT_FILE, listMigrations, type MigrationOnDisk } from '../migrations/migrations-folder.ts';
import { transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { planMigration } from '../sql/plan-migration.ts';
import { openScratchDatabase, type ScratchDatabase, type ScratchSpace } from './scratch-database.ts';

/** A plugin's previous state, live in a scratch database, until released. */
export interface DerivedState {
  source: ScratchDatabaseSource;
  /**
   * What the dependencies' migrations created: external to the plugin's diff even where the
   * dependencies' models no longer declare it (a table they drop in a migration not yet written).
   */
  externalTables: string[];
  externalEnums: string[];
  release(): Promise<void>;
}

/**
 * The state a plugin's migrations leave behind when none of them has a snapshot.prisma (its
 * first migration was written by hand, say): its dependencies' migrations, in dependency order
 * (its SQL may point foreign keys at their tables), then its own, replayed into an empty scratch
 * database that the engine then reads. Needed once: the migration generate writes next carries
 * a snapshot. The scratch database is never DATABASE_URL (see scratch-database.ts).
 */
export class PreviousStateDeriver {
  private scratch: ScratchDatabase | undefined;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly project: Project,
    /** Every plugin of the project, in dependency order. */
    private readonly plugins: Plugin[],
    private readonly engine: DiffEngine,
  ) {}

  async derive(plugin: Plugin, migrations: MigrationOnDisk[]): Promise<DerivedState> {
    if (!this.engine.readsScratchDatabases) {
      const newest = migrations.at(-1)!;
      throw new OrchestratorError('SNAPSHOT_MISSING', `Plugin "${plugin.name}" has migrations but none has a ${SNAPSHOT_FILE} (its first migration was written by hand, say), and the Prisma CLI engine (--engine cli) cannot derive what they leave behind.`, {
        fix: `Run "orchestrator generate ${plugin.name} --snapshot-only" once, with the default engine: it replays the migrations into a scratch database and writes ${path.relative(this.project.root, path.join(newest.dir, SNAPSHOT_FILE))}. Commit that file; --engine cli then works. (If the models differ from the migrations, run "orchestrator generate ${plugin.name}" instead: the new migration carries its own snapshot.)`,
      });
    }
    // One derived state at a time, until released: generate plans several plugins at once, and
    // the spaces of one embedded PostgreSQL share its connection (and so its search_path).
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    await previous;
    let space: ScratchSpace | undefined;
    try {
      this.scratch ??= openScratchDatabase(this.project);
      space = await this.scratch.space();
      for (const dependency of transitiveDependencies(this.plugins, plugin)) {
        for (const migration of listMigrations(dependency)) await this.replay(space, plugin, dependency, migration);
      }
      const external = await space.listObjects();
      for (const migration of migrations) await this.replay(space, plugin, plugin, migration);
      const derived = space;
      return { source: derived.source, externalTables: external.tables, externalEnums: external.enums, release: () => derived.release().finally(done) };
    } catch (error) {
      try {
        await space?.release();
      } finally {
        done();
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.scratch?.close();
    this.scratch = undefined;
  }

  /** Runs a migration statement by statement, so a failure names the statement and its line. */
  private async replay(space: ScratchSpace, deriving: Plugin, owner: Plugin, migration: MigrationOnDisk): Promise<void> {
    // The statements deploy would run, in its order (a script's own BEGIN/COMMIT left out).
    const plan = await planMigration(migration.sql, this.project.provider).catch((error: unknown) => {
      throw new OrchestratorError('MIGRATION_INVALID', `Plugin "${owner.name}", migration ${migration.name} (${path.relative(this.project.root, migration.sqlPath)}) cannot be read as SQL: ${errorMessage(error)}`, {
        fix: 'Correct the SQL, then run generate again.',
        cause: error,
      });
    });
    const statements = plan.steps.flatMap((step) => step.statements);
    for (const [index, { sql: statement, line }] of statements.entries()) {
      try {
        await space.execute(statement);
      } catch (error) {
        const file = path.relative(this.project.root, migration.sqlPath);
        const why = owner === deriving
          ? `Plugin "${deriving.name}" has no ${SNAPSHOT_FILE} in its migrations, so generate replays them`
          : `Plugin "${deriving.name}" has no ${SNAPSHOT_FILE} in its migrations, so generate replays them after those of its dependency "${owner.name}"`;
        throw new OrchestratorError('MIGRATION_INVALID', `${why} into ${this.scratch!.description} to learn the schema they leave behind. Plugin "${owner.name}", migration ${migration.name} (${file}) failed there at statement ${index + 1} of ${statements.length} (line ${line}):\n  ${previewStatement(statement)}\nDatabase error: ${errorMessage(error)}`, {
          fix: `Correct ${file} so that it runs on a database holding only what the migrations before it create (deploy would fail on it the same way), then run generate again.${this.scratch!.replayHint ? ` ${this.scratch!.replayHint}` : ''}`,
          cause: error,
        });
      }
    }
  }
}
