import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dumpDatabase } from './support/database-dump.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { examplePlugins, type CliResult, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, type TestDatabase } from './support/test-databases.ts';

/** The example plugins: `one` owns books, `two` owns users (a foreign key to books). */
const ONE = examplePlugins().one!;
const TWO = examplePlugins().two!;
const ONE_WITH_ISBN = { ...ONE, models: ONE.models.replace('author String?', 'author String?\n  isbn   String?') };

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.exitCode, 0, `${what}: ${result.stdout}\n${result.stderr}`);
  return result;
}

/** A project with both plugins generated and deployed. */
async function deployed(fresh: ReturnType<typeof freshDatabasePerTest>): Promise<TempProject> {
  const project = fresh.project({ one: ONE, two: TWO });
  ok(await project.cli(['generate']), 'generate');
  ok(await project.cli(['deploy']), 'deploy');
  return project;
}

/** Runs a command that must report without writing: the database is byte-identical after it. */
async function unchanged(db: TestDatabase, run: () => Promise<CliResult>): Promise<CliResult> {
  const before = await dumpDatabase(db);
  const result = await run();
  assert.equal(await dumpDatabase(db), before, `the database must be byte-identical after: ${result.stdout}\n${result.stderr}`);
  return result;
}

function assertRefusal(result: CliResult, code: string): void {
  assert.equal(result.exitCode, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^Error \\[${code}\\]`, 'm'), result.stderr);
  assert.match(result.stderr, /\nFix: /);
  assert.doesNotMatch(result.stderr, /\n\s+at .*\(/, 'no stack trace');
}

interface DriftJson {
  clean: boolean;
  plugins: { plugin: string; drift: string; sql: string; summary: string[]; pending: number; reason?: string }[];
}

interface StatusJson {
  plugins: { plugin: string; databaseVersion: string | null; codeVersion: string }[];
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`check on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('exits 0 when every plugin matches its latest migration, 2 naming the plugin and its statements when one does not; writes nothing and opens no database', async () => {
      const project = fresh.project({ one: ONE, two: TWO });
      // No database at all: a closed port would fail any command that connects.
      const noDatabase = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' };
      const before = await project.cli(['check'], noDatabase);
      assert.equal(before.exitCode, 2, 'no migration yet: generate would write both');
      assert.match(before.stdout, /^one: models changed, but no migration was generated/m);
      assert.match(before.stdout, /^two: models changed/m);
      assert.deepEqual(project.migrations('one'), [], 'check writes no migration');

      ok(await project.cli(['generate']), 'generate');
      const clean = ok(await project.cli(['check'], noDatabase), 'check after generate');
      assert.match(clean.stdout, /No changes: 2 plugin\(s\) match their latest migration/);

      project.writePlugin('one', ONE_WITH_ISBN);
      const migrationsBefore = project.migrations('one');
      const changed = await project.cli(['check'], noDatabase);
      assert.equal(changed.exitCode, 2, changed.stderr);
      assert.match(changed.stdout, /^one: models changed, but no migration was generated; generate would write:\n {2}ALTER TABLE "books" ADD COLUMN "isbn" TEXT\n/m);
      assert.doesNotMatch(changed.stdout, /^two:/m, 'two did not change');
      assert.match(changed.stdout, /Run "orchestrator generate one"/);
      assert.deepEqual(project.migrations('one'), migrationsBefore, 'check writes no migration');

      const json = await project.cli(['check', '--json'], noDatabase);
      assert.equal(json.exitCode, 2);
      const parsed = JSON.parse(json.stdout) as { clean: boolean; checked: string[]; changes: { plugin: string; sql: string; summary: string[] }[] };
      assert.equal(parsed.clean, false);
      assert.deepEqual(parsed.checked, ['one', 'two']);
      assert.deepEqual(parsed.changes.map((change) => change.plugin), ['one']);
      assert.match(parsed.changes[0]!.sql, /"isbn" TEXT/);
      assert.equal(ok(await project.cli(['check', 'two'], noDatabase), 'check two').stdout.trim(), 'No changes: 1 plugin(s) match their latest migration.');

      project.writePlugin('one', { ...ONE, models: ONE.models.replace('String?', 'Strin?') });
      assertRefusal(await project.cli(['check'], noDatabase), 'SCHEMA_INVALID');
    });
  });

  describe(`drift on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('a column dropped by hand is reported with the SQL that restores it, under its plugin only; other tables are left out; nothing is written', async () => {
      const project = await deployed(fresh);
      const none = await unchanged(fresh.db, () => project.cli(['drift']));
      assert.equal(none.exitCode, 0, none.stderr);
      assert.match(none.stdout, /^one: no drift \(matches the snapshot of \d{14}_init\)$/m);
      assert.match(none.stdout, /^two: no drift/m);

      // A column of one's table dropped by hand, and a table of the application's own: only the first is drift.
      await fresh.db.exec('ALTER TABLE "books" DROP COLUMN "author"');
      await fresh.db.exec('CREATE TABLE "app_settings" ("key" TEXT PRIMARY KEY)');
      assert.equal((await project.cli(['status'])).exitCode, 0, 'status alone reads only the history');
      const found = await unchanged(fresh.db, () => project.cli(['drift']));
      assert.equal(found.exitCode, 2, found.stderr);
      assert.match(found.stdout, /^one: drift \(differs from the snapshot of \d{14}_init\); SQL that would restore it:\n(\s+.*\n)*\s+ALTER TABLE "books" ADD COLUMN\s+"author" TEXT;/m);
      assert.match(found.stdout, /^two: no drift/m);
      assert.doesNotMatch(found.stdout, /app_settings|_prisma_migrations/);

      const json = await unchanged(fresh.db, () => project.cli(['drift', '--json']));
      assert.equal(json.exitCode, 2);
      const parsed = JSON.parse(json.stdout) as DriftJson;
      assert.equal(parsed.clean, false);
      assert.deepEqual(parsed.plugins.map((p) => [p.plugin, p.drift]), [['one', 'drift'], ['two', 'none']]);
      assert.deepEqual(parsed.plugins[0]!.summary, ['ALTER TABLE "books" ADD COLUMN "author" TEXT']);

      const onlyTwo = await unchanged(fresh.db, () => project.cli(['drift', 'two']));
      assert.equal(onlyTwo.exitCode, 0, 'drift two judges two alone');
    });

    test("a dropped table and another plugin's changed foreign key are each reported under their owner", async () => {
      const project = await deployed(fresh);
      await fresh.db.exec('DROP TABLE "users"');
      const found = await unchanged(fresh.db, () => project.cli(['drift', '--json']));
      assert.equal(found.exitCode, 2);
      const parsed = JSON.parse(found.stdout) as DriftJson;
      assert.deepEqual(parsed.plugins.map((p) => [p.plugin, p.drift]), [['one', 'none'], ['two', 'drift']]);
      assert.match(parsed.plugins[1]!.sql, /CREATE TABLE "users"/);
      assert.doesNotMatch(parsed.plugins[1]!.sql, /CREATE TABLE "books"/, "one's table is not two's to create");
    });

    test('pending migrations do not count: the snapshot of the newest applied migration is the expected state', async () => {
      const project = await deployed(fresh);
      project.writePlugin('one', ONE_WITH_ISBN);
      ok(await project.cli(['generate', 'one']), 'generate one');
      const pending = await unchanged(fresh.db, () => project.cli(['drift', 'one']));
      assert.equal(pending.exitCode, 0, pending.stdout);
      assert.match(pending.stdout, /^one: no drift \(matches the snapshot of \d{14}_init; 1 pending migration\(s\) not counted\)$/m);
    });

    test('hand-written migrations without any snapshot cannot be judged: exit 2, never "no drift"', async () => {
      const notes = fresh.project({ notes: { models: 'model Note {\n  id Int @id\n\n  @@map("notes")\n}\n' } });
      const dir = path.join(notes.pluginDir('notes'), 'migrations', '20300101000000_notes');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'migration.sql'), 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY);\n');
      ok(await notes.cli(['deploy']), 'deploy notes');
      const unknown = await unchanged(fresh.db, () => notes.cli(['drift']));
      assert.equal(unknown.exitCode, 2, 'not judged is never "no drift"');
      assert.match(unknown.stdout, /^notes: cannot judge drift: none of its migrations up to 20300101000000_notes has a snapshot\.prisma/m);
      assert.match(unknown.stdout, /generate notes --snapshot-only/);
    });

    if (provider === 'sqlite') {
      test('a SQLite file that does not exist is read as an empty database and not created', async () => {
        const project = fresh.project({ one: ONE });
        ok(await project.cli(['generate']), 'generate');
        const result = ok(await project.cli(['drift'], { DATABASE_URL: 'file:./data/missing.db' }), 'drift');
        assert.match(result.stdout, /^one: no drift \(matches an empty schema, as no migration is applied; 1 pending migration\(s\) not counted\)$/m);
        assert.equal(existsSync(path.join(project.root, 'data')), false, 'drift created nothing');
      });
    }

    if (provider === 'postgresql') {
      test("enums: a value added by hand to the plugin's enum is drift; an enum the application made is left out", async () => {
        const project = fresh.project({ shelf: { models: 'enum Genre {\n  SCIFI\n  POETRY\n}\n\nmodel Shelf {\n  id    Int   @id\n  genre Genre\n\n  @@map("shelves")\n}\n' } });
        ok(await project.cli(['generate']), 'generate');
        ok(await project.cli(['deploy']), 'deploy');
        await fresh.db.exec(`CREATE TYPE "Mood" AS ENUM ('calm')`);
        assert.equal((await project.cli(['drift'])).exitCode, 0, 'an enum no plugin owns is not drift');
        await fresh.db.exec(`ALTER TYPE "Genre" ADD VALUE 'DRAMA'`);
        const found = await unchanged(fresh.db, () => project.cli(['drift']));
        assert.equal(found.exitCode, 2, found.stdout);
        assert.match(found.stdout, /CREATE TYPE "Genre_new" AS ENUM \('SCIFI', 'POETRY'\)/);
        assert.doesNotMatch(found.stdout, /Mood/);
      });
    }

    test('a plugin with nothing applied whose tables exist is drift (what baseline adopts)', async () => {
      const project = fresh.project({ one: ONE });
      ok(await project.cli(['generate']), 'generate');
      await fresh.db.exec(project.readMigration('one', project.migrations('one')[0]!));
      const found = await unchanged(fresh.db, () => project.cli(['drift']));
      assert.equal(found.exitCode, 2);
      assert.match(found.stdout, /^one: drift \(differs from an empty schema, as no migration is applied; 1 pending migration\(s\) not counted\)/m);
      assert.match(found.stdout, /DROP TABLE "books"/);
    });
  });

  describe(`baseline on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    /** The plugins' tables made outside the orchestrator: their migrations' SQL run by hand, no history. */
    async function existingTables(): Promise<TempProject> {
      const project = fresh.project({ one: ONE, two: TWO });
      ok(await project.cli(['generate']), 'generate');
      for (const plugin of ['one', 'two']) await fresh.db.exec(project.readMigration(plugin, project.migrations(plugin)[0]!));
      return project;
    }

    test('deploy onto existing tables fails with a fix that names baseline; a mismatch is refused byte-identically; matching tables are adopted without running anything', async () => {
      const project = await existingTables();
      await fresh.db.exec(`INSERT INTO "books" ("title") VALUES ('Dune')`);

      const failed = await project.cli(['deploy']);
      assertRefusal(failed, 'MIGRATION_FAILED');
      assert.match(failed.stderr, /Fix: The table "books" already exists in the database\. .*"orchestrator baseline one"/);

      await fresh.db.exec('ALTER TABLE "users" DROP COLUMN "address"');
      const refused = await unchanged(fresh.db, () => project.cli(['baseline', 'two']));
      assertRefusal(refused, 'BASELINE_MISMATCH');
      assert.match(refused.stderr, /Refusing to baseline plugin "two": its tables in .* do not match what its migrations create \(the snapshot of \d{14}_init\)\. This SQL would make them match:\n(\s+.*\n)*\s+ALTER TABLE "users" ADD COLUMN\s+"address"/);
      await fresh.db.exec('ALTER TABLE "users" ADD COLUMN "address" TEXT');

      const adopted = ok(await project.cli(['baseline', 'one']), 'baseline one');
      assert.match(adopted.stdout, /^Plugin "one": its tables on .* match the snapshot of \d{14}_init\.\nRecorded 1 migration\(s\) as applied without running them \(version 1\.0\.0\):\n {2}\d{14}_init$/);
      ok(await project.cli(['baseline', 'two']), 'baseline two');
      assert.equal((await fresh.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM "books"'))[0]!.n.toString(), '1', 'nothing ran: the row is still there');
      const rows = await fresh.db.query<{ finished_at: unknown; plugin_version: string; logs: string }>('SELECT "finished_at", "plugin_version", "logs" FROM "_prisma_migrations_one" WHERE "rolled_back_at" IS NULL');
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]!.finished_at, null);
      assert.equal(rows[0]!.plugin_version, '1.0.0');
      assert.match(rows[0]!.logs, /Recorded as applied by "orchestrator baseline"/);

      ok(await project.cli(['status']), 'status after baseline');
      assert.match(ok(await project.cli(['deploy']), 'deploy').stdout, /Nothing to deploy/);
      assert.match(ok(await project.cli(['baseline', 'one']), 'baseline again').stdout, /^Nothing to baseline: every migration of plugin "one" is already applied/);
      assert.equal((await project.cli(['drift'])).exitCode, 0);
    });

    test('tables missing altogether are a mismatch too, and an unknown plugin is refused', async () => {
      const project = fresh.project({ one: ONE });
      ok(await project.cli(['generate']), 'generate');
      ok(await project.cli(['deploy']), 'deploy'); // the database exists; then its table is gone and the history with it
      await fresh.db.exec('DROP TABLE "books"');
      await fresh.db.exec('DROP TABLE "_prisma_migrations_one"');
      const refused = await unchanged(fresh.db, () => project.cli(['baseline', 'one']));
      assertRefusal(refused, 'BASELINE_MISMATCH');
      assert.match(refused.stderr, /CREATE TABLE "books"/);
      assertRefusal(await project.cli(['baseline', 'nope']), 'PLUGIN_NOT_FOUND');
    });
  });

  describe(`plugin version in the history on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('each applied migration records the plugin.json version, status shows the version the database holds', async () => {
      const project = await deployed(fresh);
      const status = ok(await project.cli(['status']), 'status');
      assert.match(status.stdout, /^one: up to date \(1 applied, version 1\.0\.0\)$/m);

      project.writePlugin('one', { ...ONE_WITH_ISBN, manifest: { version: '1.1.0' } });
      const behind = await project.cli(['status', 'one']);
      assert.match(behind.stdout, /^one: up to date \(1 applied, version 1\.0\.0; plugin\.json says 1\.1\.0\)$/m, 'the code moved on, the database did not');
      ok(await project.cli(['generate', 'one']), 'generate');
      ok(await project.cli(['deploy']), 'deploy 1.1.0');
      const json = JSON.parse(ok(await project.cli(['status', '--json']), 'status --json').stdout) as StatusJson;
      assert.deepEqual(json.plugins.map((p) => [p.plugin, p.databaseVersion, p.codeVersion]), [['one', '1.1.0', '1.1.0'], ['two', '1.0.0', '1.0.0']]);
      const versions = await fresh.db.query<{ plugin_version: string }>('SELECT "plugin_version" FROM "_prisma_migrations_one" ORDER BY "migration_name"');
      assert.deepEqual(versions.map((row) => row.plugin_version), ['1.0.0', '1.1.0']);
    });

    test('a history table from before plugin_version still works: read as not recorded, and gains the column on the next deploy that writes to it', async () => {
      const project = await deployed(fresh);
      await fresh.db.exec('ALTER TABLE "_prisma_migrations_one" DROP COLUMN "plugin_version"');
      const old = await unchanged(fresh.db, () => project.cli(['status', '--json']));
      assert.equal(old.exitCode, 0, old.stderr);
      assert.equal((JSON.parse(old.stdout) as StatusJson).plugins[0]!.databaseVersion, null);
      assert.match((await project.cli(['status'])).stdout, /^one: up to date \(1 applied, version not recorded; plugin\.json says 1\.0\.0\)$/m);
      assert.equal((await unchanged(fresh.db, () => project.cli(['drift']))).exitCode, 0);
      assert.match(ok(await unchanged(fresh.db, () => project.cli(['deploy'])), 'no-op deploy').stdout, /Nothing to deploy/, 'a deploy that writes nothing adds no column');

      project.writePlugin('one', ONE_WITH_ISBN);
      ok(await project.cli(['generate', 'one']), 'generate');
      ok(await project.cli(['deploy']), 'deploy onto the old history table');
      const versions = await fresh.db.query<{ plugin_version: string | null }>('SELECT "plugin_version" FROM "_prisma_migrations_one" ORDER BY "migration_name"');
      assert.deepEqual(versions.map((row) => row.plugin_version), [null, '1.0.0']);
      assert.match((await project.cli(['status'])).stdout, /^one: up to date \(2 applied, version 1\.0\.0\)$/m);
    });
  });
}
