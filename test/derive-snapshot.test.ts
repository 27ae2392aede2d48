import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { assertMatchesMonolith } from './support/compare-with-monolith.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { createTempProject, type PluginFixture, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/**
 * Plugins whose first migration was written by hand, so no migration has a snapshot.prisma:
 * generate replays their migrations into a scratch database (a temporary SQLite file; on
 * PostgreSQL a temporary schema in SHADOW_DATABASE_URL, or an embedded PGlite) and diffs from it.
 */

const plugin = (models: string, dependsOn: string[] = []): PluginFixture => ({ models, manifest: { version: '1.0.0', dependsOn } });

const BOOK = (extra = '') =>
  `model Book {\n  id     Int     @id @default(autoincrement())\n  title  String? @db.VarChar(30)\n  author String?\n${extra}\n  @@map("books")\n}\n`;
const USER = (extra = '') =>
  `model User {\n  id             Int   @id @default(autoincrement())\n  favoriteBookId Int?\n  favoriteBook   Book? @relation(fields: [favoriteBookId], references: [id], onDelete: SetNull)\n${extra}\n  @@map("users")\n}\n`;

/** SQL a person writes, not the engine's spelling, that creates exactly what BOOK() declares. */
const HAND_WRITTEN_BOOKS: Record<Provider, string> = {
  sqlite: 'create table books (\n  id integer primary key autoincrement not null,\n  title text,\n  author text\n);\n',
  postgresql: 'create table books (\n  id serial primary key,\n  title varchar(30),\n  author text\n);\n',
};
/** …and what USER() declares, with its foreign key to one's books. */
const HAND_WRITTEN_USERS: Record<Provider, string> = {
  sqlite:
    'create table users (\n  id integer primary key autoincrement not null,\n  favoriteBookId integer,\n  constraint users_favoriteBookId_fkey foreign key (favoriteBookId) references books (id) on delete set null on update cascade\n);\n',
  postgresql:
    'create table users (\n  id serial primary key,\n  "favoriteBookId" integer,\n  constraint "users_favoriteBookId_fkey" foreign key ("favoriteBookId") references books (id) on delete set null on update cascade\n);\n',
};

function writeHandWritten(project: TempProject, pluginName: string, name: string, sql: string): void {
  const dir = path.join(project.pluginDir(pluginName), 'migrations', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
}

async function columns(db: TestDatabase, table: string): Promise<string[]> {
  const rows =
    db.provider === 'sqlite'
      ? await db.query<{ name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY name`)
      : await db.query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY column_name`);
  return rows.map((row) => row.name).sort();
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`a plugin whose first migration was written by hand, on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);
    const { project } = fresh;
    /** PostgreSQL: the scratch database generate may use; the application's database stays untouched. */
    let shadow: TestDatabase | undefined;
    const env = (): Record<string, string> => (shadow ? { SHADOW_DATABASE_URL: shadow.url } : {});
    before(async () => {
      if (provider === 'postgresql') shadow = await createTestDatabase(provider);
    });
    after(() => shadow?.drop());

    test('matching the models: no new migration; a new field: only that column; both deploy', async () => {
      const app = project({ one: plugin(BOOK()) });
      writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS[provider]);

      const unchanged = await app.cli(['generate'], env());
      assert.equal(unchanged.exitCode, 0, unchanged.stderr);
      assert.match(unchanged.stdout, /one: no changes \(previous state derived by replaying its migrations/);
      assert.match(unchanged.stdout, /No changes/);
      assert.deepEqual(app.migrations('one'), ['20260101000000_handwritten']);
      assert.deepEqual(await fresh.db.tables(), [], 'generate must not touch DATABASE_URL');

      const final = { one: plugin(BOOK('  pages  Int?')) };
      app.writePlugin('one', final.one);
      const added = await app.cli(['generate', '--name', 'pages'], env());
      assert.equal(added.exitCode, 0, added.stderr);
      const [, second] = app.migrations('one');
      assert.match(second!, /^\d{14}_pages$/);
      const sql = app.readMigration('one', second!);
      if (provider === 'postgresql') {
        assert.equal(sql.trim(), '-- AlterTable\nALTER TABLE "books" ADD COLUMN     "pages" INTEGER;');
      } else {
        assert.match(sql, /ALTER TABLE "books" ADD COLUMN "pages" INTEGER/);
        assert.doesNotMatch(sql, /CREATE TABLE|DROP TABLE/);
      }
      assert.ok(existsSync(path.join(app.pluginDir('one'), 'migrations', second!, 'snapshot.prisma')), 'the new migration carries a snapshot');

      const deployed = await app.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(await columns(fresh.db, 'books'), ['author', 'id', 'pages', 'title']);
      await assertMatchesMonolith(fresh.db, final);

      // From now on the snapshot is read: no replay.
      const again = await app.cli(['generate'], { SHADOW_DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(again.stdout, /one: no changes\n/);
      assert.doesNotMatch(again.stdout, /derived/);
      if (shadow) assert.deepEqual(await shadow.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'orchestrator_scratch_%'`), [], 'the scratch schema is dropped');
    });

    test('differing from the models: generate writes exactly the difference, and the result deploys to the models', async () => {
      const app = project({ one: plugin(BOOK()) });
      // No author column, and an isbn column the models do not have.
      const differing = HAND_WRITTEN_BOOKS[provider].replace('author text', 'isbn text');
      writeHandWritten(app, 'one', '20260101000000_handwritten', differing);

      const generated = await app.cli(['generate', '--accept-data-loss'], env());
      assert.equal(generated.exitCode, 0, generated.stderr);
      const [, second] = app.migrations('one');
      assert.match(second!, /^\d{14}_update$/);
      const sql = app.readMigration('one', second!);
      if (provider === 'postgresql') {
        assert.equal(sql.trim(), '-- AlterTable\nALTER TABLE "books" DROP COLUMN "isbn",\nADD COLUMN     "author" TEXT;');
      } else {
        // SQLite cannot drop a column in place: the engine rebuilds the table.
        assert.match(sql, /CREATE TABLE "new_books" \(\n\s+"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n\s+"title" TEXT,\n\s+"author" TEXT\n\)/);
        assert.match(sql, /INSERT INTO "new_books" \("id", "title"\) SELECT "id", "title" FROM "books"/);
      }

      const deployed = await app.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(await columns(fresh.db, 'books'), ['author', 'id', 'title']);
      await assertMatchesMonolith(fresh.db, { one: plugin(BOOK()) });
      const settled = await app.cli(['generate'], env());
      assert.match(settled.stdout, /No changes/);
    });

    test('a dependent plugin, also written by hand, with a foreign key to the first one\'s table', async () => {
      // one's models are ahead of its migration (isbn added, legacy removed): only one's own diff
      // may act on that, never two's, although two's replay holds one's tables as they were.
      const app = project({ one: plugin(BOOK('  isbn   String?')), two: plugin(USER(), ['one']) });
      writeHandWritten(app, 'one', '20260101000000_handwritten', `${HAND_WRITTEN_BOOKS[provider]}create table legacy (id integer primary key);\n`);
      writeHandWritten(app, 'two', '20260101000001_handwritten', HAND_WRITTEN_USERS[provider]);

      const first = await app.cli(['generate', '--accept-data-loss'], env());
      assert.equal(first.exitCode, 0, first.stderr);
      assert.match(first.stdout, /one: new migration \d{14}_update \(previous state derived/);
      assert.match(first.stdout, /two: no changes \(previous state derived/);
      const oneSql = app.readMigration('one', app.migrations('one')[1]!);
      assert.match(oneSql, /ALTER TABLE "books" ADD COLUMN\s+"isbn" TEXT/);
      assert.match(oneSql, /DROP TABLE "legacy"/, 'a table no model declares is dropped by its own plugin, as Prisma Migrate would');
      assert.equal(app.migrations('two').length, 1);

      const final = { one: plugin(BOOK('  isbn   String?')), two: plugin(USER('  nickname String?'), ['one']) };
      app.writePlugin('two', final.two);
      const added = await app.cli(['generate', 'two'], env());
      assert.equal(added.exitCode, 0, added.stderr);
      const sql = app.readMigration('two', app.migrations('two')[1]!);
      assert.match(sql, /ALTER TABLE "users" ADD COLUMN\s+"nickname" TEXT/);
      assert.doesNotMatch(sql, /books|CREATE TABLE|DROP/);

      const deployed = await app.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(await columns(fresh.db, 'books'), ['author', 'id', 'isbn', 'title']);
      assert.deepEqual(await columns(fresh.db, 'users'), ['favoriteBookId', 'id', 'nickname']);
      assert.ok(!(await fresh.db.tables()).includes('legacy'));
      await assertMatchesMonolith(fresh.db, final);
    });

    test('a hand-written migration that fails when replayed: the error names the plugin, the migration and the statement', async () => {
      const app = project({ one: plugin(BOOK()) });
      writeHandWritten(app, 'one', '20260101000000_handwritten', `${HAND_WRITTEN_BOOKS[provider]}\ncreate index books_isbn on books (isbn);\n`);
      const failed = await app.cli(['generate'], env());
      assert.equal(failed.exitCode, 1);
      assert.match(failed.stderr, /Error \[MIGRATION_INVALID\]: Plugin "one" has no snapshot\.prisma in its migrations, so generate replays them/);
      assert.match(failed.stderr, /migration 20260101000000_handwritten \(plugins\/one\/migrations\/20260101000000_handwritten\/migration\.sql\) failed there at statement 2 of 2 \(line 7\):\n  create index books_isbn on books \(isbn\)/);
      assert.match(failed.stderr, /isbn/);
      assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(app.migrations('one'), ['20260101000000_handwritten']);
    });
  });
}

describe('deriving is impossible or refused', () => {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const step of cleanup) await step();
  });

  test('--engine cli says exactly what to do; --snapshot-only does it, and then --engine cli works', async () => {
    const app = createTempProject('sqlite', { one: plugin(BOOK()) });
    cleanup.push(() => app.remove());
    writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS.sqlite);
    const refused = await app.cli(['generate', '--engine', 'cli']);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Error \[SNAPSHOT_MISSING\]: Plugin "one" has migrations but none has a snapshot\.prisma/);
    assert.match(refused.stderr, /Fix: Run "orchestrator generate one --snapshot-only" once, with the default engine/);

    const snapshot = path.join(app.pluginDir('one'), 'migrations', '20260101000000_handwritten', 'snapshot.prisma');
    const written = await app.cli(['generate', 'one', '--snapshot-only']);
    assert.equal(written.exitCode, 0, written.stderr);
    assert.match(written.stdout, /Wrote 1 snapshot\(s\):\n  plugins\/one\/migrations\/20260101000000_handwritten\/snapshot\.prisma/);
    assert.ok(existsSync(snapshot));

    const viaCli = await app.cli(['generate', '--engine', 'cli']);
    assert.equal(viaCli.exitCode, 0, viaCli.stderr);
    assert.match(viaCli.stdout, /No changes/);
  });

  test('--snapshot-only refuses when the models differ from the migrations, and writes nothing', async () => {
    const app = createTempProject('sqlite', { one: plugin(BOOK('  pages  Int?')) });
    cleanup.push(() => app.remove());
    writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS.sqlite);
    const refused = await app.cli(['generate', '--snapshot-only']);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Error \[SNAPSHOT_MISSING\]: Not writing snapshots: the models of "one" differ/);
    assert.match(refused.stderr, /Fix: Run "orchestrator generate one" \(without --snapshot-only\)/);
    assert.ok(!existsSync(path.join(app.pluginDir('one'), 'migrations', '20260101000000_handwritten', 'snapshot.prisma')));
  });

  test('SHADOW_DATABASE_URL must not be the application\'s database', async () => {
    const app = createTempProject('postgresql', { one: plugin(BOOK()) }, 'postgresql://postgres@127.0.0.1:5432/app');
    cleanup.push(() => app.remove());
    writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS.postgresql);
    const refused = await app.cli(['generate'], { SHADOW_DATABASE_URL: 'postgresql://other:secret@127.0.0.1/app?schema=x' });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Error \[CONFIG_INVALID\]: SHADOW_DATABASE_URL names the same database as DATABASE_URL/);
    assert.doesNotMatch(refused.stderr, /secret/);
  });

  test('an unreachable SHADOW_DATABASE_URL: SNAPSHOT_MISSING, naming it and the way out', async () => {
    const app = createTempProject('postgresql', { one: plugin(BOOK()) }, 'postgresql://postgres@127.0.0.1:5432/app');
    cleanup.push(() => app.remove());
    writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS.postgresql);
    const refused = await app.cli(['generate'], { SHADOW_DATABASE_URL: 'postgresql://postgres:secret@127.0.0.1:1/shadow' });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Error \[SNAPSHOT_MISSING\]: Cannot use SHADOW_DATABASE_URL \(postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/shadow\) as a scratch database/);
    assert.match(refused.stderr, /Fix: .*or unset it to use an embedded PostgreSQL \(PGlite\)/);
  });

  test('PostgreSQL without SHADOW_DATABASE_URL: an embedded PGlite, started once per run, from a cached data directory after the first', async () => {
    const db = await createTestDatabase('postgresql');
    cleanup.push(() => db.drop());
    const cacheHome = mkdtempSync(path.join(tmpdir(), 'orchestrator-cache-'));
    cleanup.push(() => rmSync(cacheHome, { recursive: true, force: true }));
    const app = createTempProject('postgresql', { one: plugin(BOOK()), two: plugin(USER(), ['one']) }, db.url);
    cleanup.push(() => app.remove());
    writeHandWritten(app, 'one', '20260101000000_handwritten', HAND_WRITTEN_BOOKS.postgresql);
    writeHandWritten(app, 'two', '20260101000001_handwritten', HAND_WRITTEN_USERS.postgresql);
    const env = { SHADOW_DATABASE_URL: '', XDG_CACHE_HOME: cacheHome };

    let started = performance.now();
    const cold = await app.cli(['generate', '--snapshot-only', 'one'], env);
    const coldSeconds = (performance.now() - started) / 1000;
    assert.equal(cold.exitCode, 0, cold.stderr);
    assert.match(cold.stdout, /Wrote 1 snapshot\(s\):\n  plugins\/one\/migrations\/20260101000000_handwritten\/snapshot\.prisma/);
    assert.ok(existsSync(path.join(cacheHome, 'prisma-plugin-orchestrator')), 'the fresh data directory is cached');

    app.writePlugin('two', plugin(USER('  nickname String?'), ['one']));
    started = performance.now();
    const warm = await app.cli(['generate'], env);
    const warmSeconds = (performance.now() - started) / 1000;
    assert.equal(warm.exitCode, 0, warm.stderr);
    console.log(`# generate with PGlite: first start ${coldSeconds.toFixed(1)} s, from the cached data directory ${warmSeconds.toFixed(1)} s`);
    assert.match(warm.stdout, /one: no changes\n/, 'one has its snapshot now');
    assert.match(warm.stdout, /two: new migration \d{14}_update \(previous state derived/);
    assert.equal(app.readMigration('two', app.migrations('two')[1]!).trim(), '-- AlterTable\nALTER TABLE "users" ADD COLUMN     "nickname" TEXT;');
    assert.deepEqual(await db.tables(), [], 'generate must not touch DATABASE_URL');

    // An extension PGlite does not ship: the fix names the way out.
    app.writePlugin('three', plugin(`model Place {\n  id Int @id\n\n  @@map("places")\n}\n`));
    writeHandWritten(app, 'three', '20260101000002_handwritten', 'create extension if not exists postgis;\ncreate table places (id integer primary key);\n');
    const failed = await app.cli(['generate', 'three'], env);
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /Error \[MIGRATION_INVALID\]: .* into an embedded PostgreSQL \(PGlite\) .*statement 1 of 2 \(line 1\):\n  create extension if not exists postgis\n/s);
    assert.match(failed.stderr, /set SHADOW_DATABASE_URL to an empty scratch database on a real server/);
  });
});
