import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const HISTORY = ['_prisma_migrations_one', '_prisma_migrations_two'];

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`generate → deploy → status on ${provider}`, () => {
    let db: TestDatabase;
    let project: TempProject;
    before(async () => {
      db = await createTestDatabase(provider);
    });
    after(async () => {
      project?.remove();
      await db.drop();
    });

    test("the seed's promise: one migration per plugin, four tables, a second deploy changes nothing", async () => {
      project = createTempProject(provider, examplePlugins(), db.url);
      const generated = await project.cli(['generate']);
      assert.equal(generated.exitCode, 0, generated.stderr);
      assert.equal(project.migrations('one').length, 1);
      assert.equal(project.migrations('two').length, 1);
      assert.match(project.readMigration('one', project.migrations('one')[0]!), /CREATE TABLE "books"/);
      assert.doesNotMatch(project.readMigration('one', project.migrations('one')[0]!), /users/);

      const pending = await project.cli(['status']);
      assert.equal(pending.exitCode, 2, 'status must fail while migrations are pending');
      assert.match(pending.stdout, /pending\s+\d{14}_init/);

      const first = await project.cli(['deploy']);
      assert.equal(first.exitCode, 0, first.stderr);
      assert.deepEqual(await db.tables(), [...HISTORY, 'books', 'users'].sort());

      const rowsBefore = await db.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations_one"');
      const second = await project.cli(['deploy']);
      assert.equal(second.exitCode, 0, second.stderr);
      assert.match(second.stdout, /Nothing to deploy/);
      assert.deepEqual(await db.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations_one"'), rowsBefore);
      assert.deepEqual(await db.tables(), [...HISTORY, 'books', 'users'].sort());

      const status = await project.cli(['status', '--json']);
      assert.equal(status.exitCode, 0, status.stdout);
      const report = JSON.parse(status.stdout) as { upToDate: boolean; plugins: { plugin: string; applied: string[] }[] };
      assert.equal(report.upToDate, true);
      assert.deepEqual(report.plugins.map((p) => [p.plugin, p.applied.length]), [['one', 1], ['two', 1]]);

      const again = await project.cli(['generate']);
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(again.stdout, /No changes/);
      assert.equal(project.migrations('one').length, 1);
    });

    test('tables of other plugins and tables made by hand keep their rows, also when a plugin removes a model', async () => {
      await db.exec(`CREATE TABLE app_settings (key VARCHAR(50) PRIMARY KEY, value TEXT)`);
      await db.exec(`INSERT INTO app_settings (key, value) VALUES ('theme', 'dark')`);
      await db.exec(`INSERT INTO users (name, address) VALUES ('ada', 'London')`);
      await db.exec(`INSERT INTO books (title, author) VALUES ('Dune', 'Herbert')`);

      project.writePlugin('one', {
        ...examplePlugins().one!,
        models: `${examplePlugins().one!.models}\nmodel Shelf {\n  id   Int    @id @default(autoincrement())\n  name String\n\n  @@map("shelves")\n}\n`,
      });
      assert.equal((await project.cli(['generate', 'one', '--name', 'add shelves'])).exitCode, 0);
      assert.equal((await project.cli(['deploy'])).exitCode, 0);
      assert.ok((await db.tables()).includes('shelves'));

      project.writePlugin('one', examplePlugins().one!);
      const removal = await project.cli(['generate', '--name', 'drop shelves', '--accept-data-loss']);
      assert.equal(removal.exitCode, 0, removal.stderr);
      const [, , dropName] = project.migrations('one');
      assert.ok(dropName?.endsWith('_drop_shelves'), `expected a drop_shelves migration, got ${project.migrations('one').join(', ')}`);
      const dropSql = project.readMigration('one', dropName!);
      assert.match(dropSql, /DROP TABLE "shelves"/);
      assert.doesNotMatch(dropSql, /users|app_settings|books|_prisma_migrations/);
      assert.equal(project.migrations('two').length, 1, 'plugin two had no change and must get no migration');

      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(await db.tables(), [...HISTORY, 'app_settings', 'books', 'users'].sort());
      assert.deepEqual(await db.query('SELECT key, value FROM app_settings'), [{ key: 'theme', value: 'dark' }]);
      assert.deepEqual(await db.query('SELECT name, address FROM users'), [{ name: 'ada', address: 'London' }]);
      assert.deepEqual(await db.query('SELECT title, author FROM books'), [{ title: 'Dune', author: 'Herbert' }]);
    });

    test('a migration that fails halfway leaves the database as it was, and is retried once fixed', async () => {
      const tablesBefore = await db.tables();
      const name = '29990101000000_breaks_halfway';
      const dir = path.join(project.pluginDir('two'), 'migrations', name);
      const brokenSql = `CREATE TABLE "audit" ("id" INTEGER PRIMARY KEY);\nINSERT INTO "users" ("name") VALUES ('half');\nINSERT INTO "no_such_table" VALUES (1);\n`;
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'migration.sql'), brokenSql);

      const failed = await project.cli(['deploy']);
      assert.equal(failed.exitCode, 1);
      assert.match(failed.stderr, /Plugin "two", migration 29990101000000_breaks_halfway/);
      assert.match(failed.stderr, /statement 3 of 3/);
      assert.match(failed.stderr, /no_such_table/);
      assert.deepEqual(await db.tables(), tablesBefore, 'the CREATE TABLE of the failed migration must be rolled back');
      assert.deepEqual(await db.query('SELECT name FROM users'), [{ name: 'ada' }], 'the INSERT of the failed migration must be rolled back');
      const attempts = await db.query<{ finished_at: unknown; logs: string }>(`SELECT finished_at, logs FROM "_prisma_migrations_two" WHERE migration_name = '${name}'`);
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]!.finished_at, null, 'a failed attempt is never a success row');

      const status = await project.cli(['status', 'two']);
      assert.equal(status.exitCode, 2);
      assert.match(status.stdout, /failed\s+29990101000000_breaks_halfway/);

      writeFileSync(path.join(dir, 'migration.sql'), brokenSql.replace(`INSERT INTO "no_such_table" VALUES (1);\n`, ''));
      const retried = await project.cli(['deploy']);
      assert.equal(retried.exitCode, 0, retried.stderr);
      assert.ok((await db.tables()).includes('audit'));
      assert.equal((await project.cli(['status'])).exitCode, 0);
    });

    test('an applied migration that was edited is refused before anything runs', async () => {
      const [init] = project.migrations('one');
      appendFileSync(path.join(project.pluginDir('one'), 'migrations', init!, 'migration.sql'), '\n-- edited later\n');
      project.writePlugin('two', { ...examplePlugins().two!, models: `${examplePlugins().two!.models}\nmodel Group {\n  id Int @id\n\n  @@map("groups")\n}\n` });
      const generated = await project.cli(["generate", "two"]);
      assert.equal(generated.exitCode, 0, generated.stderr);

      const refused = await project.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /MIGRATION_MODIFIED/);
      assert.match(refused.stderr, new RegExp(`plugin "one", migration ${init}`));
      assert.ok(!(await db.tables()).includes('groups'), "plugin two's pending migration must not run");
      const status = await project.cli(['status']);
      assert.equal(status.exitCode, 2);
      assert.match(status.stdout, /modified\s+\d{14}_init/);
    });
  });

  describe(`generate on ${provider} needs no database and is deterministic`, () => {
    test('the same models give the same SQL in two projects, with no DATABASE_URL reachable', async () => {
      const unreachable = { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' };
      const a = createTempProject(provider, examplePlugins());
      const b = createTempProject(provider, examplePlugins());
      try {
        assert.equal((await a.cli(['generate'], unreachable)).exitCode, 0);
        assert.equal((await b.cli(['generate'], unreachable)).exitCode, 0);
        for (const plugin of ['one', 'two']) {
          assert.equal(a.readMigration(plugin, a.migrations(plugin)[0]!), b.readMigration(plugin, b.migrations(plugin)[0]!));
        }
        const lock = readFileSync(path.join(a.pluginDir('one'), 'migrations', 'migration_lock.toml'), 'utf8');
        assert.match(lock, new RegExp(`provider = "${provider}"`));
      } finally {
        a.remove();
        b.remove();
      }
    });

    test('a hand-edited migration.sql (a backfill below the DDL) does not change the next generate', async () => {
      const project = createTempProject(provider, examplePlugins());
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        const [init] = project.migrations('one');
        project.writeMigration('one', init!, `${project.readMigration('one', init!)}\n-- Backfill\nINSERT INTO "books" ("title") VALUES ('seed');\n`);
        project.writePlugin('one', { ...examplePlugins().one!, models: examplePlugins().one!.models.replace('author String?', 'author String?\n  year   Int     @default(2000)') });
        const next = await project.cli(['generate', '--name', 'add year', '--accept-data-loss']);
        assert.equal(next.exitCode, 0, next.stderr);
        const [, added] = project.migrations('one');
        assert.ok(added?.endsWith('_add_year'));
        const sql = project.readMigration('one', added!);
        assert.match(sql, /year/);
        assert.doesNotMatch(sql, /seed|CREATE TABLE "books"/);
      } finally {
        project.remove();
      }
    });
  });
}
