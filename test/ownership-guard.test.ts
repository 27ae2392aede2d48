import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { createTempProject, type PluginFixture, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** Plugin one owns books (with its title index) and base_items; two depends on one and owns users. */
const PLUGINS: Record<string, PluginFixture> = {
  one: {
    manifest: { version: '1.0.0' },
    models: `model Book {\n  id    Int     @id\n  title String?\n  @@index([title])\n  @@map("books")\n}\n\nmodel BaseItem {\n  id Int @id\n  @@map("base_items")\n}\n`,
  },
  two: {
    manifest: { version: '1.0.0', dependsOn: ['one'] },
    models: `model User {\n  id     Int   @id\n  bookId Int?\n  book   Book? @relation(fields: [bookId], references: [id])\n  @@map("users")\n}\n`,
  },
};

/** Issue 11's inputs: each was applied to plugin one's objects by plugin two, exit 0. */
const BYPASSES: { sql: string; code: string; only?: Provider; where?: RegExp }[] = [
  { sql: "UPDATE BOOKS SET title = 'gone'", code: 'OWNERSHIP_VIOLATION' },
  { sql: 'DELETE FROM BASE_ITEMS', code: 'OWNERSHIP_VIOLATION' },
  { sql: 'DROP TABLE "tmp", "books"', code: 'OWNERSHIP_VIOLATION' },
  { sql: "WITH s AS (SELECT '--') DELETE FROM books", code: 'OWNERSHIP_VIOLATION' },
  { sql: 'DROP INDEX "books_title_idx"', code: 'OWNERSHIP_VIOLATION' },
  { sql: "DO $$ BEGIN EXECUTE 'drop table books'; END $$", code: 'SQL_UNVERIFIABLE', only: 'postgresql' },
  // Not SQLite's SQL at all: refused as unreadable, with its line, before anything runs.
  { sql: "DO $$ BEGIN EXECUTE 'drop table books'; END $$", code: 'MIGRATION_INVALID', only: 'sqlite', where: /Plugin "two", migration 29990101000001_bypass cannot be read as SQLite SQL: .*migration\.sql:2\)/ },
  { sql: "UPDATE public.BOOKS SET title = 'gone'", code: 'OWNERSHIP_VIOLATION', only: 'postgresql' },
  { sql: "UPDATE main.BOOKS SET title = 'gone'", code: 'OWNERSHIP_VIOLATION', only: 'sqlite' },
  { sql: "UPDATE \"Books\" SET title = 'gone'", code: 'OWNERSHIP_VIOLATION', only: 'sqlite' },
  { sql: 'CREATE TRIGGER t AFTER INSERT ON users BEGIN DELETE FROM books; END', code: 'OWNERSHIP_VIOLATION', only: 'sqlite' },
];

function writeHandMigration(project: TempProject, plugin: string, name: string, sql: string): string {
  const dir = path.join(project.pluginDir(plugin), 'migrations', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), `-- written by hand\n${sql};\n`);
  return dir;
}

/** Everything a refused deploy must leave as it was: tables, indexes, rows, history rows. */
async function dump(db: TestDatabase): Promise<string> {
  const indexes =
    db.provider === 'postgresql'
      ? await db.query("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
      : await db.query("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY 1");
  const rows: Record<string, unknown> = {};
  for (const table of ['books', 'base_items', 'users']) rows[table] = await db.query(`SELECT * FROM "${table}" ORDER BY 1`);
  for (const plugin of ['one', 'two']) rows[plugin] = await db.query(`SELECT migration_name, finished_at IS NOT NULL AS ok FROM "_prisma_migrations_${plugin}" ORDER BY 1`);
  return JSON.stringify({ tables: await db.tables(), indexes, rows });
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`the ownership guard at deploy, on ${provider}`, () => {
    test("each way issue 11 found into another plugin's table is refused: exit 1, nothing applied", async () => {
      const db = await createTestDatabase(provider);
      const project = createTempProject(provider, PLUGINS, db.url);
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        const first = await project.cli(['deploy']);
        assert.equal(first.exitCode, 0, first.stderr);
        await db.exec(`INSERT INTO books (id, title) VALUES (1, 'Dune')`);
        await db.exec('INSERT INTO base_items (id) VALUES (7)');
        // A pending migration of plugin one: a refused deploy must not apply it either.
        writeHandMigration(project, 'one', '29990101000000_rename', "UPDATE books SET title = 'Dune Messiah'");
        const before = await dump(db);

        for (const bypass of BYPASSES.filter((b) => !b.only || b.only === provider)) {
          const dir = writeHandMigration(project, 'two', '29990101000001_bypass', bypass.sql);
          const refused = await project.cli(['deploy']);
          assert.equal(refused.exitCode, 1, `${bypass.sql}\n${refused.stdout}\n${refused.stderr}`);
          assert.match(refused.stderr, new RegExp(bypass.code), bypass.sql);
          assert.match(refused.stderr, bypass.where ?? /plugin "two", migration 29990101000001_bypass: .*migration\.sql:2\)/, bypass.sql);
          assert.match(refused.stderr, /Nothing was applied\./);
          assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
          assert.equal(await dump(db), before, `the database changed after refusing: ${bypass.sql}`);
          rmSync(dir, { recursive: true });
        }

        // The same deploy goes through once the plugin keeps to its own table.
        writeHandMigration(project, 'two', '29990101000001_own', 'INSERT INTO USERS (id, "bookId") VALUES (1, 1)');
        const applied = await project.cli(['deploy']);
        assert.equal(applied.exitCode, 0, applied.stderr);
        assert.deepEqual(await db.query('SELECT id, "bookId" FROM users'), [{ id: 1, bookId: 1 }]);
        assert.deepEqual(await db.query('SELECT title FROM books'), [{ title: 'Dune Messiah' }]);
      } finally {
        project.remove();
        await db.drop();
      }
    });
  });
}

describe('trusted migrations', () => {
  test('PostgreSQL: a DO block runs once the migration is marked trusted', async () => {
    const db = await createTestDatabase('postgresql');
    const project = createTempProject('postgresql', PLUGINS, db.url);
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      const sql = "DO $$ BEGIN EXECUTE 'INSERT INTO users (id) VALUES (5)'; END $$";
      const dir = writeHandMigration(project, 'two', '29990101000001_dynamic', sql);
      const refused = await project.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /SQL_UNVERIFIABLE.*\n.*plugin "two", migration 29990101000001_dynamic: DO \(.*migration\.sql:2\)/);
      assert.match(refused.stderr, /Fix: .*-- orchestrator: trusted/);
      assert.deepEqual(await db.tables(), [], 'a refused deploy creates nothing, not even plugin one');

      writeFileSync(path.join(dir, 'migration.sql'), `-- orchestrator: trusted\n${sql};\n`);
      const applied = await project.cli(['deploy']);
      assert.equal(applied.exitCode, 0, applied.stderr);
      assert.deepEqual(await db.query('SELECT id FROM users'), [{ id: 5 }]);
    } finally {
      project.remove();
      await db.drop();
    }
  });
});
