import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { findDataLoss } from '../orchestrator/generate/find-data-loss.ts';
import { planMigration } from '../orchestrator/sql/plan-migration.ts';
import { dumpDatabase } from './support/database-dump.ts';
import { diffCatalogs, readCatalog } from './support/database-catalog.ts';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, withClient, withSqliteFile, type TestDatabase } from './support/test-databases.ts';

/** A nullable column: a change deploy applies with no data-loss question. */
const withIsbn = () => ({ ...examplePlugins().one!, models: examplePlugins().one!.models.replace('author String?', 'author String?\n  isbn   String?') });
const withoutAuthor = () => ({ ...examplePlugins().one!, models: examplePlugins().one!.models.replace(/\n\s*author String\?/, '') });

/** Runs statements in order on one connection, as a user would paste a preview into a SQL shell. */
async function runStatements(db: TestDatabase, statements: string[]): Promise<void> {
  if (db.provider === 'sqlite') {
    withSqliteFile(fileURLToPath(new URL(db.url.replace(/^file:/, 'file://'))), (sqlite) => statements.forEach((sql) => sqlite.exec(sql)));
    return;
  }
  await withClient(db.url, async (client) => {
    for (const sql of statements) await client.query(sql);
  });
}

/** The history rows that matter, without the ids and timestamps each run picks. */
async function historyOf(db: TestDatabase, plugin: string) {
  const rows = await db.query<Record<string, unknown>>(`SELECT migration_name, checksum, applied_steps_count, logs, finished_at IS NOT NULL AS finished, rolled_back_at IS NULL AS live FROM "_prisma_migrations_${plugin}" ORDER BY migration_name`);
  return rows.map((row) => ({ ...row, applied_steps_count: Number(row.applied_steps_count), finished: Boolean(row.finished), live: Boolean(row.live) }));
}

interface Setup {
  db: TestDatabase;
  /** The same history as db, to run the preview's SQL on by hand. */
  twin: TestDatabase;
  project: TempProject;
}

/** Two databases with the example plugins' first migrations applied and rows in books, and a pending migration adding isbn. */
async function deployedWithPending(provider: Provider): Promise<Setup> {
  const db = await createTestDatabase(provider);
  const twin = await createTestDatabase(provider);
  const project = createTempProject(provider, examplePlugins(), db.url);
  assert.equal((await project.cli(['generate'])).exitCode, 0);
  for (const target of [db, twin]) {
    assert.equal((await project.cli(['deploy'], { DATABASE_URL: target.url })).exitCode, 0);
    await target.exec(`INSERT INTO books (id, title) VALUES (1, 'Dune'), (2, 'Emma'), (3, 'Ulysses')`);
  }
  project.writePlugin('one', withIsbn());
  const generated = await project.cli(['generate', '--name', 'isbn']);
  assert.equal(generated.exitCode, 0, generated.stderr);
  return { db, twin, project };
}

/** Runs the preview by hand on the twin (same history), deploys the original for real: same schema, same history, twin up to date. */
async function assertPreviewIsDeploy({ db, twin, project }: Setup, sql: string[], migrations: number): Promise<void> {
  await runStatements(twin, sql);
  const deployed = await project.cli(['deploy']);
  assert.equal(deployed.exitCode, 0, deployed.stderr);
  assert.match(deployed.stdout, new RegExp(`Applied ${migrations} migration`));
  assert.deepEqual(diffCatalogs(await readCatalog(twin), await readCatalog(db), ['by hand', 'deployed']), []);
  assert.deepEqual(await historyOf(twin, 'one'), await historyOf(db, 'one'));
  const status = await project.cli(['status'], { DATABASE_URL: twin.url });
  assert.equal(status.exitCode, 0, `the preview's history writes leave the twin up to date:\n${status.stdout}`);
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`deploy --dry-run and sql on ${provider}`, () => {
    let setup: Setup;
    before(async () => {
      setup = await deployedWithPending(provider);
    });
    after(async () => {
      setup.project.remove();
      await setup.db.drop();
      await setup.twin.drop();
    });

    test('sql <plugin> <migration> needs no database; sql <plugin> lists its pending migrations', async () => {
      const { project } = setup;
      const [init] = project.migrations('one');
      const offline = await project.cli(['sql', 'one', init!], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
      assert.equal(offline.exitCode, 0, offline.stderr);
      assert.match(offline.stdout, /CREATE TABLE "books"/);
      assert.match(offline.stdout, provider === 'sqlite' ? /BEGIN IMMEDIATE;[\s\S]*COMMIT;/ : /BEGIN;[\s\S]*COMMIT;/);
      assert.match(offline.stdout, /history writes .* are not shown/);

      const unknown = await project.cli(['sql', 'one', 'no_such_migration']);
      assert.equal(unknown.exitCode, 1);
      assert.match(unknown.stderr, /MIGRATION_NOT_FOUND[\s\S]*Fix: Name one of/);

      const pending = await project.cli(['sql', 'one', '--json']);
      assert.equal(pending.exitCode, 0, pending.stderr);
      const parsed = JSON.parse(pending.stdout) as { migrations: { migration: string }[]; statements: { sql: string }[]; includesHistory: boolean };
      assert.equal(parsed.includesHistory, true);
      assert.deepEqual(parsed.migrations.map((m) => m.migration), [project.migrations('one')[1]]);
      assert.ok(parsed.statements.some((s) => s.sql.startsWith('INSERT INTO "_prisma_migrations_one"')));
    });
    test('the dry run changes nothing, and its SQL does what deploy then does', async () => {
      const { db, project } = setup;
      const before = await dumpDatabase(db);
      const preview = await project.cli(['deploy', '--dry-run', '--json']);
      assert.equal(preview.exitCode, 0, preview.stderr);
      assert.equal(await dumpDatabase(db), before, 'a dry run must leave the database byte-identical');
      const parsed = JSON.parse(preview.stdout) as { migrations: { plugin: string; migration: string }[]; statements: { sql: string; plugin?: string }[] };
      assert.deepEqual(parsed.migrations.map((m) => `${m.plugin}/${m.migration}`), [`one/${project.migrations('one')[1]}`]);
      const sql = parsed.statements.map((s) => s.sql);
      assert.ok(sql.some((s) => /ADD COLUMN\s+"isbn"/.test(s)), sql.join('\n'));
      assert.ok(sql.some((s) => s.startsWith('INSERT INTO "_prisma_migrations_one"')), 'the history write is part of the preview');
      assert.equal(sql[0], provider === 'sqlite' ? 'PRAGMA foreign_keys = OFF' : 'BEGIN');
      assert.equal(sql.includes('COMMIT'), true);

      const text = await project.cli(['deploy', '--dry-run']);
      assert.equal(text.exitCode, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`-- plugin "one", migration ${project.migrations('one')[1]}`));
      assert.equal(await dumpDatabase(db), before);

      await assertPreviewIsDeploy(setup, sql, 1);
    });

    test('steps outside a transaction (a no-transaction migration): the preview commits each on its own, as deploy does', async () => {
      const { db, project } = setup;
      const name = '29991231000000_indexes';
      mkdirSync(path.join(project.pluginDir('one'), 'migrations', name));
      project.writeMigration('one', name, '-- orchestrator: no-transaction\nCREATE INDEX "books_title_idx" ON "books" ("title");\nCREATE INDEX "books_isbn_idx" ON "books" ("isbn");\n');
      const before = await dumpDatabase(db);
      const preview = await project.cli(['deploy', '--dry-run', '--json']);
      assert.equal(preview.exitCode, 0, preview.stderr);
      assert.equal(await dumpDatabase(db), before);
      const sql = (JSON.parse(preview.stdout) as { statements: { sql: string }[] }).statements.map((s) => s.sql);
      const index = sql.findIndex((s) => s.startsWith('CREATE INDEX "books_title_idx"'));
      // Marked as started in a committed transaction first; the index itself outside any transaction.
      assert.match(sql.slice(0, index).join('\n'), /started outside a transaction[\s\S]*COMMIT/);
      assert.doesNotMatch(sql[index - 1]!, /^(BEGIN|SAVEPOINT)/);
      assert.match(sql[index + 1]!, /^UPDATE "_prisma_migrations_one" SET "applied_steps_count" = 1/);
      await assertPreviewIsDeploy(setup, sql, 1);
    });

    test('a dry run runs deploy\'s refusal checks: an edited applied migration is refused, nothing changes', async () => {
      const { db, project } = setup;
      const [first] = project.migrations('two');
      const original = project.readMigration('two', first!);
      project.writeMigration('two', first!, `${original}\n-- edited after it was applied\n`);
      try {
        const before = await dumpDatabase(db);
        const refused = await project.cli(['deploy', '--dry-run']);
        assert.equal(refused.exitCode, 1);
        assert.match(refused.stderr, /MIGRATION_MODIFIED/);
        assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(await dumpDatabase(db), before);
      } finally {
        project.writeMigration('two', first!, original);
      }
    });

  });

  describe(`data-loss warnings at generate on ${provider}`, () => {
    test('a column drop is refused without --accept-data-loss, names plugin, table and rows, and is written with it', async () => {
      const db = await createTestDatabase(provider);
      const project = createTempProject(provider, examplePlugins(), db.url);
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        assert.equal((await project.cli(['deploy'])).exitCode, 0);
        await db.exec(`INSERT INTO books (id, title, author) VALUES (1, 'Dune', 'Herbert'), (2, 'Emma', 'Austen'), (3, 'Ulysses', 'Joyce')`);
        project.writePlugin('one', withoutAuthor());
        const dump = await dumpDatabase(db);

        const refused = await project.cli(['generate', '--name', 'drop author']);
        assert.equal(refused.exitCode, 1);
        assert.match(refused.stderr, /Error \[CONFIRMATION_REQUIRED\]/);
        assert.match(refused.stderr, /Plugin "one", migration \d+_drop_author:/);
        assert.match(refused.stderr, provider === 'sqlite' ? /recreates table "books"/ : /drops column "author" of table "books"/);
        assert.match(refused.stderr, /books holds 3 rows/);
        assert.match(refused.stderr, /--accept-data-loss/);
        assert.equal(project.migrations('one').length, 1, 'nothing is written');
        assert.equal(await dumpDatabase(db), dump, 'generate never writes to the database');

        const offline = await project.cli(['generate', '--name', 'drop author'], { DATABASE_URL: '' });
        assert.equal(offline.exitCode, 1);
        assert.match(offline.stderr, /table "books"/);
        assert.doesNotMatch(offline.stderr, /holds/, 'without DATABASE_URL: the warning, no row count');

        const accepted = await project.cli(['generate', '--name', 'drop author', '--accept-data-loss']);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.match(accepted.stdout, /books holds 3 rows/);
        assert.equal(project.migrations('one').length, 2);
        assert.equal(await dumpDatabase(db), dump);
      } finally {
        project.remove();
        await db.drop();
      }
    });

    test('a change that loses nothing is written without a question', async () => {
      const project = createTempProject(provider, examplePlugins());
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        project.writePlugin('one', withIsbn());
        const generated = await project.cli(['generate', '--name', 'isbn']);
        assert.equal(generated.exitCode, 0, generated.stderr);
        assert.doesNotMatch(generated.stdout, /may lose data/);
      } finally {
        project.remove();
      }
    });
  });
}

describe('data-loss risks are read from the parse tree', () => {
  test('PostgreSQL: drops, type changes, required columns; a default or a nullable column is safe', async () => {
    const sql = `DROP TABLE "old", public."older";
ALTER TABLE "books" DROP COLUMN "author", ALTER COLUMN "title" SET DATA TYPE VARCHAR(10), ADD COLUMN "isbn" TEXT NOT NULL, ADD COLUMN "pages" INTEGER NOT NULL DEFAULT 1, ADD COLUMN "note" TEXT, ADD COLUMN "n" SERIAL NOT NULL, ALTER COLUMN "year" SET NOT NULL;
-- "DROP TABLE x" in a comment is no statement
CREATE TABLE "x" ("id" INTEGER NOT NULL);`;
    const warnings = findDataLoss('one', 'm', await planMigration(sql, 'postgresql'));
    assert.deepEqual(
      warnings.map((w) => `${w.kind} ${w.table}${w.column ? `.${w.column}` : ''} line ${w.line}`),
      ['drop-table old line 1', 'drop-table older line 1', 'drop-column books.author line 2', 'change-type books.title line 2', 'required-column books.isbn line 2', 'set-not-null books.year line 2'],
    );
  });

  test('SQLite: the engine\'s table rebuild is one recreate warning, a plain drop is a drop', async () => {
    const sql = `PRAGMA foreign_keys=OFF;
CREATE TABLE "new_books" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT);
INSERT INTO "new_books" ("id", "title") SELECT "id", "title" FROM "books";
DROP TABLE "books";
ALTER TABLE "new_books" RENAME TO "books";
PRAGMA foreign_keys=ON;
DROP TABLE "shelves";
ALTER TABLE "users" ADD COLUMN "age" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "users" ADD COLUMN "nick" TEXT NOT NULL;
ALTER TABLE "users" DROP COLUMN "address";`;
    const warnings = findDataLoss('one', 'm', await planMigration(sql, 'sqlite'));
    assert.deepEqual(
      warnings.map((w) => `${w.kind} ${w.table}${w.column ? `.${w.column}` : ''} line ${w.line}`),
      ['recreate-table books line 4', 'drop-table shelves line 7', 'required-column users.nick line 9', 'drop-column users.address line 10'],
    );
  });
});
