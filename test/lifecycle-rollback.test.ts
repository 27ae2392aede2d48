import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readCatalog } from './support/database-catalog.ts';
import { dumpDatabase } from './support/database-dump.ts';
import { assertRefused } from './support/assert-refused.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { examplePlugins, type CliResult, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, type TestDatabase } from './support/test-databases.ts';

/** Three versions of one plugin: a table; a second table the first points at; a new column with an index. */
const V1 = `model Book {\n  id    Int    @id @default(autoincrement())\n  title String\n\n  @@map("books")\n}\n`;
const V2 = `model Book {\n  id       Int     @id @default(autoincrement())\n  title    String\n  authorId Int?\n  author   Author? @relation(fields: [authorId], references: [id])\n\n  @@map("books")\n}\n\nmodel Author {\n  id    Int    @id @default(autoincrement())\n  name  String\n  books Book[]\n\n  @@map("authors")\n}\n`;
const V3 = V2.replace('  authorId Int?\n', '  authorId Int?\n  isbn     String?\n').replace('\n  @@map("books")', '\n  @@index([isbn])\n  @@map("books")');

function ok(result: CliResult): CliResult {
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  return result;
}

function migrationDir(project: TempProject, plugin: string, name: string): string {
  return path.join(project.pluginDir(plugin), 'migrations', name);
}

function addMigration(project: TempProject, name: string, sql: string): void {
  mkdirSync(migrationDir(project, 'one', name), { recursive: true });
  writeFileSync(path.join(migrationDir(project, 'one', name), 'migration.sql'), sql);
}

async function historyRows(db: TestDatabase, plugin: string): Promise<{ migration_name: string; finished: boolean; rolled_back: boolean; logs: string | null }[]> {
  const rows = await db.query<{ migration_name: string; finished_at: unknown; rolled_back_at: unknown; logs: string | null; started_at: unknown }>(`SELECT * FROM "_prisma_migrations_${plugin}"`);
  const time = (value: unknown) => (value instanceof Date ? value.getTime() : Date.parse(String(value)));
  return rows
    .sort((a, b) => time(a.started_at) - time(b.started_at))
    .map((row) => ({ migration_name: row.migration_name, finished: row.finished_at !== null, rolled_back: row.rolled_back_at !== null, logs: row.logs }));
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`rollback on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('generate writes down.sql; rollback --steps 2 returns the catalog to v1, deploy brings v3 back', async () => {
      const project = fresh.project({ one: { models: V1 } });
      const catalogs = [];
      for (const models of [V1, V2, V3]) {
        project.writePlugin('one', { models });
        // v2 → v3 rebuilds a SQLite table: a data-loss warning generate needs accepted.
        ok(await project.cli(['generate', '--accept-data-loss']));
        ok(await project.cli(['deploy']));
        catalogs.push(await readCatalog(fresh.db));
      }
      const migrations = project.migrations('one');
      assert.equal(migrations.length, 3);
      for (const name of migrations) assert.ok(existsSync(path.join(migrationDir(project, 'one', name), 'down.sql')), `${name} has a down.sql`);
      assert.match(readFileSync(path.join(migrationDir(project, 'one', migrations[0]!), 'down.sql'), 'utf8'), /DROP TABLE "books"/);
      assert.match(readFileSync(path.join(migrationDir(project, 'one', migrations[1]!), 'down.sql'), 'utf8'), /DROP TABLE "authors"/);
      assert.notDeepEqual(catalogs[2], catalogs[0]);

      const rolledBack = ok(await project.cli(['rollback', 'one', '--steps', '2', '--yes']));
      assert.match(rolledBack.stdout, new RegExp(`Rolled back 2 migration\\(s\\) of plugin "one".*\\n  ${migrations[2]}\\n  ${migrations[1]}`));
      assert.deepEqual(await readCatalog(fresh.db), catalogs[0], 'the catalog is v1 again');

      // The rows stay, marked rolled back: the audit trail. Status shows them pending.
      const rows = await historyRows(fresh.db, 'one');
      assert.deepEqual(rows.map((r) => [r.migration_name, r.finished, r.rolled_back]), [[migrations[0], true, false], [migrations[1], true, true], [migrations[2], true, true]]);
      const status = await project.cli(['status', '--json']);
      assert.equal(status.exitCode, 2);
      const report = JSON.parse(status.stdout) as { plugins: { applied: string[]; pending: string[]; rolledBack: string[]; failed: unknown[] }[] };
      assert.deepEqual(report.plugins[0]!.applied, [migrations[0]]);
      assert.deepEqual(report.plugins[0]!.pending, migrations.slice(1));
      assert.deepEqual(report.plugins[0]!.rolledBack, migrations.slice(1));
      assert.deepEqual(report.plugins[0]!.failed, []);
      assert.match((await project.cli(['status'])).stdout, new RegExp(`pending   ${migrations[1]} \\(rolled back\\)`));

      ok(await project.cli(['deploy']));
      assert.deepEqual(await readCatalog(fresh.db), catalogs[2], 'deploy re-applies v2 and v3');
      ok(await project.cli(['status']));
      assert.equal((await historyRows(fresh.db, 'one')).length, 5, 'new rows for the re-applied migrations, the old ones kept');

      // --to: everything after v1, i.e. the same two.
      ok(await project.cli(['rollback', 'one', '--to', migrations[0]!, '--yes']));
      assert.deepEqual(await readCatalog(fresh.db), catalogs[0]);
      // down.sql is not part of the checksum: editing it does not make the applied v1 "modified".
      writeFileSync(path.join(migrationDir(project, 'one', migrations[0]!), 'down.sql'), `-- reviewed\n${readFileSync(path.join(migrationDir(project, 'one', migrations[0]!), 'down.sql'), 'utf8')}`);
      ok(await project.cli(['deploy']));
      ok(await project.cli(['rollback', 'one', '--steps', '3', '--yes']));
      assert.deepEqual(await fresh.db.tables(), ['_prisma_migrations_one'], "v1's down drops everything the plugin created");
    });

    test('refused, changing nothing: a dependent plugin references the table, no --yes off a terminal, no down.sql, nothing applied', async () => {
      const project = fresh.project(examplePlugins());
      ok(await project.cli(['generate']));
      ok(await project.cli(['deploy']));
      const blocked = await assertRefused(project, fresh.db, 'ROLLBACK_BLOCKED', ['rollback', 'one', '--yes']);
      assert.match(blocked.stderr, /table "users" \(plugin "two"\) has a foreign key to "books"/);
      assert.match(blocked.stderr, /Fix: First roll back .*"two"/);

      const unconfirmed = await assertRefused(project, fresh.db, 'CONFIRMATION_REQUIRED', ['rollback', 'two']);
      assert.match(unconfirmed.stderr, /DROP TABLE "users"/);
      assert.match(unconfirmed.stderr, /--yes/);

      await assertRefused(project, fresh.db, 'MIGRATION_NOT_APPLIED', ['rollback', 'two', '--steps', '2', '--yes']);
      await assertRefused(project, fresh.db, 'MIGRATION_NOT_FOUND', ['rollback', 'two', '--to', '20000101000000_nope', '--yes']);

      const [name] = project.migrations('two');
      rmSync(path.join(migrationDir(project, 'two', name!), 'down.sql'));
      const missing = await assertRefused(project, fresh.db, 'DOWN_MIGRATION_MISSING', ['rollback', 'two', '--yes']);
      assert.match(missing.stderr, new RegExp(`migration ${name} has no down.sql`));
      ok(await project.cli(['status']));

      // Once the dependent is rolled back (down.sql restored by hand), the owner can be.
      writeFileSync(path.join(migrationDir(project, 'two', name!), 'down.sql'), 'DROP TABLE "users";\n');
      ok(await project.cli(['rollback', 'two', '--yes']));
      ok(await project.cli(['rollback', 'one', '--yes']));
      assert.deepEqual(await fresh.db.tables(), ['_prisma_migrations_one', '_prisma_migrations_two']);
    });

    test('a down script touching another plugin\'s table is refused like a deploy would be', async () => {
      const project = fresh.project(examplePlugins());
      ok(await project.cli(['generate']));
      ok(await project.cli(['deploy']));
      const [name] = project.migrations('two');
      writeFileSync(path.join(migrationDir(project, 'two', name!), 'down.sql'), 'DROP TABLE "users";\nDELETE FROM "books";\n');
      const refused = await assertRefused(project, fresh.db, 'OWNERSHIP_VIOLATION', ['rollback', 'two', '--yes']);
      assert.match(refused.stderr, /Refusing to roll back: .*\n.*changes table "books", owned by plugin "one"/);
    });
  });

  describe(`resolve on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);
    const NOTES = { models: `model Note {\n  id   Int    @id\n  body String\n\n  @@map("notes")\n}\n` };
    const FIRST = '20300101000000_notes';
    const TAGS = '20300102000000_tags';

    test('--rolled-back after a half-applied migration: deploy runs it again from its first step', async () => {
      const project = fresh.project({ one: NOTES });
      addMigration(project, FIRST, 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL);\n');
      // Two steps: the first commits, the second fails.
      addMigration(project, TAGS, 'BEGIN;\nCREATE TABLE "tags" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\nCOMMIT;\nBEGIN;\nINSERT INTO "tags" ("id", "name") VALUES (1, NULL);\nCOMMIT;\n');
      const failed = await project.cli(['deploy']);
      assert.equal(failed.exitCode, 1);
      assert.match(failed.stderr, /^Error \[MIGRATION_FAILED\]/m);
      assert.match(failed.stderr, new RegExp(`orchestrator resolve one ${TAGS} --rolled-back`), 'the fix names resolve');
      assert.deepEqual((await fresh.db.tables()).filter((t) => t === 'tags'), ['tags'], 'step 1 was committed');

      const unsettled = await assertRefused(project, fresh.db, 'MIGRATION_INTERRUPTED', ['rollback', 'one', '--yes']);
      assert.match(unsettled.stderr, /orchestrator resolve one <migration> --applied \| --rolled-back/);
      await assertRefused(project, fresh.db, 'MIGRATION_NOT_FAILED', ['resolve', 'one', FIRST, '--rolled-back']);
      await assertRefused(project, fresh.db, 'MIGRATION_NOT_FOUND', ['resolve', 'one', '20300103000000_nope', '--applied']);
      await assertRefused(project, fresh.db, 'CONFIG_INVALID', ['resolve', 'one', TAGS]);

      // Undo step 1 by hand, correct the migration, and tell the orchestrator.
      await fresh.db.exec('DROP TABLE "tags"');
      addMigration(project, TAGS, 'BEGIN;\nCREATE TABLE "tags" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\nCOMMIT;\nBEGIN;\nINSERT INTO "tags" ("id", "name") VALUES (1, \'first\');\nCOMMIT;\n');
      const resolved = ok(await project.cli(['resolve', 'one', TAGS, '--rolled-back']));
      assert.match(resolved.stdout, /Deploy runs it again from its first step/);
      ok(await project.cli(['deploy']));
      assert.deepEqual(await fresh.db.query('SELECT "name" FROM "tags"'), [{ name: 'first' }]);
      ok(await project.cli(['status']));
      const rows = (await historyRows(fresh.db, 'one')).filter((row) => row.migration_name === TAGS);
      assert.deepEqual(rows.map((r) => [r.finished, r.rolled_back]), [[false, true], [true, false]], 'the failed attempt stays, marked rolled back');
      assert.match(rows[0]!.logs ?? '', /Resolved as rolled-back by "orchestrator resolve"/);
    });

    test('--applied after a failed migration: recorded without running it; deploy skips it', async () => {
      const project = fresh.project({ one: NOTES });
      addMigration(project, FIRST, 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL);\n');
      addMigration(project, TAGS, 'CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\nINSERT INTO "tags" ("id", "name") VALUES (1, NULL);\n');
      const failed = await project.cli(['deploy']);
      assert.match(failed.stderr, /^Error \[MIGRATION_FAILED\]/m);
      assert.match(failed.stderr, new RegExp(`orchestrator resolve one ${TAGS} --applied`));
      assert.equal((await project.cli(['status'])).exitCode, 2);

      // Already rolled back by the database: --rolled-back has nothing to record.
      const before = await dumpDatabase(fresh.db);
      assert.match(ok(await project.cli(['resolve', 'one', TAGS, '--rolled-back'])).stdout, /Nothing to record/);
      assert.equal(await dumpDatabase(fresh.db), before);

      // The change made by hand instead.
      await fresh.db.exec('CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY, "name" TEXT)');
      ok(await project.cli(['resolve', 'one', TAGS, '--applied']));
      ok(await project.cli(['status']));
      assert.match(ok(await project.cli(['deploy'])).stdout, /Nothing to deploy/);
      assert.deepEqual(await fresh.db.query('SELECT * FROM "tags"'), [], 'the migration did not run');
      await assertRefused(project, fresh.db, 'MIGRATION_NOT_FAILED', ['resolve', 'one', TAGS, '--applied']);
      const rows = (await historyRows(fresh.db, 'one')).filter((row) => row.migration_name === TAGS);
      assert.deepEqual(rows.map((r) => [r.finished, r.rolled_back]), [[false, true], [true, false]]);
    });
  });
}
