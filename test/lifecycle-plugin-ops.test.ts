import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readCatalog, type Catalog } from './support/database-catalog.ts';
import { assertRefused } from './support/assert-refused.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import type { CliResult, PluginFixture, TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';
import type { HistoryRow } from '../orchestrator/database/history-store.ts';
import type { MigrationOnDisk } from '../orchestrator/migrations/migrations-folder.ts';
import type { ReplacedMigration } from '../orchestrator/migrations/replaces-file.ts';
import { comparePluginHistory } from '../orchestrator/status/plugin-status.ts';

/** With "name" in the manifest, which rename must rewrite. */
const plugin = (name: string, models: string, dependsOn: string[] = []): PluginFixture => ({ models, manifest: { name, version: '1.0.0', dependsOn } });

/** core owns two tables, their implicit many-to-many join table and an enum; shop points at core; extra stands alone. */
const CORE_MODELS = `enum Genre {
  FICTION
  SCIENCE

  @@map("genre")
}

model Book {
  id    Int    @id @default(autoincrement())
  title String
  genre Genre  @default(FICTION)
  tags  Tag[]

  @@map("books")
}

model Tag {
  id    Int    @id @default(autoincrement())
  name  String @unique
  books Book[]

  @@map("tags")
}
`;

function fixtures(): Record<string, PluginFixture> {
  return {
    core: plugin('core', CORE_MODELS),
    shop: plugin('shop', `model Order {\n  id     Int  @id @default(autoincrement())\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n\n  @@map("orders")\n}\n`, ['core']),
    extra: plugin('extra', `model Note {\n  id   Int    @id\n  body String\n\n  @@map("notes")\n}\n`),
  };
}

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.exitCode, 0, `${what}: ${result.stdout}\n${result.stderr}`);
  return result;
}

/** The catalog without the given tables and enums (and, on PostgreSQL, their tables' sequences). */
function without(catalog: Catalog, tables: string[], enums: string[]): Catalog {
  return {
    tables: Object.fromEntries(Object.entries(catalog.tables).filter(([name]) => !tables.includes(name))),
    enums: Object.fromEntries(Object.entries(catalog.enums).filter(([name]) => !enums.includes(name))),
    sequences: catalog.sequences.filter((sequence) => !tables.some((table) => sequence.startsWith(`${table}_`))),
  };
}

async function deployed(project: TempProject, db: TestDatabase): Promise<void> {
  ok(await project.cli(['generate']), 'generate');
  ok(await project.cli(['deploy']), 'deploy');
  await db.exec(`INSERT INTO "books" ("title") VALUES ('Dune'), ('Emma')`);
  await db.exec(`INSERT INTO "orders" ("bookId") VALUES (1)`);
  await db.exec(`INSERT INTO "notes" ("id", "body") VALUES (1, 'keep me'), (2, 'me too')`);
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`uninstall on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('drops exactly the plugin\'s objects, dependents first; other plugins\' tables and rows stay', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await deployed(project, db);
      const before = await readCatalog(db);

      const refused = await assertRefused(project, db, 'PLUGIN_IN_USE', ['uninstall', 'core', '--yes']);
      assert.match(refused.stderr, /installed plugin\(s\) "shop" depend on it/);

      ok(await project.cli(['uninstall', 'shop', '--yes']), 'uninstall shop');
      assert.deepEqual(await readCatalog(db), without(before, ['orders'], []));

      const core = ok(await project.cli(['uninstall', 'core', '--yes', '--json']), 'uninstall core');
      const report = JSON.parse(core.stdout) as { uninstalled: { tables: { name: string; rows: number }[]; enums: string[]; historyTable: string } };
      assert.deepEqual(report.uninstalled.tables.map((t) => [t.name, t.rows]).sort(), [['_BookToTag', 0], ['books', 2], ['tags', 0]]);
      assert.deepEqual(report.uninstalled.enums, provider === 'postgresql' ? ['genre'] : []);
      assert.equal(report.uninstalled.historyTable, '_prisma_migrations_core');
      assert.deepEqual(await readCatalog(db), without(before, ['orders', 'books', 'tags', '_BookToTag'], ['genre']));
      assert.deepEqual(await db.tables(), ['_prisma_migrations_extra', 'notes']);
      assert.equal((await db.query('SELECT * FROM "notes"')).length, 2);

      // Both still in the code: deploy installs them again, from scratch.
      ok(await project.cli(['deploy']), 'deploy after uninstall');
      assert.equal((await project.cli(['status'])).exitCode, 0);
    });

    test('refused without --yes off a terminal, naming what would be dropped with row counts; and while a live foreign key points at the plugin', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await deployed(project, db);
      const refused = await assertRefused(project, db, 'CONFIRMATION_REQUIRED', ['uninstall', 'extra']);
      assert.match(refused.stderr, /table {9}notes \(2 row\(s\)\)/);
      assert.match(refused.stderr, /history table _prisma_migrations_extra \(1 applied migration\(s\)\)/);
      assert.match(refused.stderr, /--yes/);

      await db.exec(`CREATE TABLE "app_pins" ("id" INTEGER PRIMARY KEY, "noteId" INTEGER REFERENCES "notes" ("id"))`);
      const pinned = await assertRefused(project, db, 'PLUGIN_IN_USE', ['uninstall', 'extra', '--yes']);
      assert.match(pinned.stderr, /table "app_pins" \(no plugin in the code owns it\): foreign key .* → "notes"/);

      await assertRefused(project, db, 'PLUGIN_NOT_FOUND', ['uninstall', 'nosuch', '--yes']);
    });

    test('a plugin removed from the code: status reports it, uninstall drops its history table only and names the tables it leaves', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await deployed(project, db);
      rmSync(project.pluginDir('extra'), { recursive: true });
      assert.equal((await project.cli(['status'])).exitCode, 2);
      const result = ok(await project.cli(['uninstall', 'extra', '--yes']), 'uninstall a removed plugin');
      assert.match(result.stdout, /dropped 0 table\(s\), 0 enum\(s\) and its history table/);
      assert.deepEqual((await db.tables()).filter((t) => t.startsWith('_prisma')), ['_prisma_migrations_core', '_prisma_migrations_shop']);
      assert.ok((await db.tables()).includes('notes'), 'its tables cannot be told from the application\'s: left alone');
      ok(await project.cli(['status']), 'status after the cleanup');
      ok(await project.cli(['deploy']), 'deploy is no longer refused with PLUGIN_REMOVED');
    });
  });

  describe(`rename on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    test('moves the history with the folder and the manifests: deploy then applies nothing, status is up to date, generate writes nothing', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await deployed(project, db);
      await assertRefused(project, db, 'PLUGIN_EXISTS', ['rename', 'core', 'extra']);

      const before = await readCatalog(db);
      const renamed = ok(await project.cli(['rename', 'core', 'library']), 'rename');
      assert.match(renamed.stdout, /Renamed the history table _prisma_migrations_core to _prisma_migrations_library/);
      assert.ok(!existsSync(project.pluginDir('core')) && existsSync(project.pluginDir('library')));
      assert.deepEqual(JSON.parse(readFileSync(path.join(project.pluginDir('shop'), 'plugin.json'), 'utf8')).dependsOn, ['library']);
      assert.equal(JSON.parse(readFileSync(path.join(project.pluginDir('library'), 'plugin.json'), 'utf8')).name, 'library');

      assert.match(ok(await project.cli(['deploy']), 'deploy').stdout, /^Nothing to deploy: 3 plugin\(s\) up to date/m);
      const status = ok(await project.cli(['status']), 'status');
      assert.match(status.stdout, /library: up to date \(1 applied, version 1\.0\.0\)/);
      assert.match(ok(await project.cli(['generate']), 'generate').stdout, /No changes/);
      assert.deepEqual(await readCatalog(db), before);
      assert.ok((await db.tables()).includes('_prisma_migrations_library') && !(await db.tables()).includes('_prisma_migrations_core'));

      // The old name is free again, names derived from the history table included (PostgreSQL's `_pkey` index).
      project.writePlugin('core', plugin('core', `model Shelf {\n  id Int @id\n\n  @@map("shelves")\n}\n`));
      ok(await project.cli(['generate', 'core']), 'generate a new plugin under the old name');
      ok(await project.cli(['deploy']), 'deploy it');
      assert.ok((await db.tables()).includes('_prisma_migrations_core') && (await db.tables()).includes('shelves'));
    });

    test('a folder the user renamed already: only the database part (as for a second database)', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await deployed(project, db);
      renameSync(project.pluginDir('extra'), project.pluginDir('memo'));
      writeFileSync(path.join(project.pluginDir('memo'), 'plugin.json'), JSON.stringify({ version: '1.0.0' }));
      const renamed = ok(await project.cli(['rename', 'extra', 'memo']), 'rename');
      assert.match(renamed.stdout, /plugins\/memo was already renamed/);
      assert.match(ok(await project.cli(['deploy']), 'deploy').stdout, /^Nothing to deploy/m);
      ok(await project.cli(['status']), 'status');
      await assertRefused(project, db, 'PLUGIN_EXISTS', ['rename', 'extra', 'memo']);
    });
  });

  describe(`squash on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);

    /** core with a second migration (a column and an index), deployed. */
    async function twoMigrations(project: TempProject): Promise<void> {
      ok(await project.cli(['generate']), 'generate');
      ok(await project.cli(['deploy']), 'deploy');
      const models = path.join(project.pluginDir('core'), 'models.prisma');
      writeFileSync(models, readFileSync(models, 'utf8').replace('  tags  Tag[]\n', '  tags  Tag[]\n  isbn  String?\n\n  @@index([isbn])\n'));
      ok(await project.cli(['generate', 'core', '--name', 'isbn']), 'generate isbn');
    }

    test('on a database that applied every replaced migration, deploy records it and runs nothing; on a fresh one it gives the same catalog', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await twoMigrations(project);
      ok(await project.cli(['deploy']), 'deploy isbn');
      const replaced = project.migrations('core');
      const catalog = await readCatalog(db);

      const squashed = ok(await project.cli(['squash', 'core']), 'squash');
      assert.match(squashed.stdout, /Squashed 2 migration\(s\) of plugin "core"/);
      assert.equal(project.migrations('core').length, 1);
      const name = project.migrations('core')[0]!;
      assert.deepEqual(JSON.parse(readFileSync(path.join(project.pluginDir('core'), 'migrations', name, 'replaces.json'), 'utf8')), { replaces: replaced });
      const sql = project.readMigration('core', name);
      assert.match(sql, /CREATE TABLE "books"/);
      assert.doesNotMatch(sql, /"orders"|"notes"/, 'only the plugin\'s own objects');

      const status = ok(await project.cli(['status']), 'status before deploy');
      assert.match(status.stdout, new RegExp(`squashed  ${name} \\(replaces 2 applied`));
      assert.doesNotMatch(status.stdout, /missing/);
      const before = await readCatalog(db);
      assert.match(ok(await project.cli(['deploy']), 'deploy').stdout, /^Nothing to deploy/m);
      assert.deepEqual(await readCatalog(db), before, 'nothing ran');
      const rows = await db.query<{ migration_name: string }>(`SELECT "migration_name" FROM "_prisma_migrations_core" WHERE "finished_at" IS NOT NULL ORDER BY "migration_name"`);
      assert.deepEqual(rows.map((row) => row.migration_name), [...replaced, name]);
      const after = ok(await project.cli(['status', '--json']), 'status after deploy');
      assert.deepEqual(JSON.parse(after.stdout).plugins.find((p: { plugin: string }) => p.plugin === 'core').applied, [name]);
      assert.match(ok(await project.cli(['generate']), 'generate').stdout, /No changes/);

      const other = await createTestDatabase(provider);
      try {
        ok(await project.cli(['deploy'], { DATABASE_URL: other.url }), 'deploy on a fresh database');
        assert.deepEqual(await readCatalog(other), catalog, 'the squashed migration leaves what the replaced ones left');
        assert.equal((await project.cli(['status'], { DATABASE_URL: other.url })).exitCode, 0);
      } finally {
        await other.drop();
      }
    });

    test('on a database that applied only some replaced migrations, deploy refuses and status says so', async () => {
      const project = fresh.project(fixtures());
      const db = fresh.db;
      await twoMigrations(project); // the second is not deployed
      ok(await project.cli(['squash', 'core']), 'squash');
      const refused = await assertRefused(project, db, 'SQUASH_PARTIALLY_APPLIED', ['deploy']);
      assert.match(refused.stderr, /not applied: \d+_isbn/);
      const status = await project.cli(['status']);
      assert.equal(status.exitCode, 2);
      assert.match(status.stdout, /partly squashed/);
    });
  });
}

describe('a squash of a squash (replaces.json nests the inner list)', () => {
  const onDisk = (name: string, replaces?: ReplacedMigration[]): MigrationOnDisk => ({ name, dir: name, sqlPath: `${name}/migration.sql`, sql: '', checksum: name, acceptedChecksums: new Set([name]), ...(replaces ? { replaces } : {}) });
  const applied = (name: string): HistoryRow => ({ id: name, checksum: name, migration_name: name, started_at: '2030-01-01T00:00:00Z', finished_at: '2030-01-01T00:00:01Z', rolled_back_at: null, logs: null, applied_steps_count: 1, plugin_version: null });
  // s2 replaces s1 (itself the squash of m1, m2) and m3.
  const s2 = onDisk('20300105000000_s2', [{ name: '20300103000000_s1', replaces: [{ name: '20300101000000_m1' }, { name: '20300102000000_m2' }] }, { name: '20300104000000_m3' }]);
  const status = (names: string[]) => comparePluginHistory('core', [s2], names.map(applied));

  test('counts as applied whether the database ran the originals or the inner squash, and no replaced row is missing', () => {
    for (const history of [['20300101000000_m1', '20300102000000_m2', '20300104000000_m3'], ['20300103000000_s1', '20300104000000_m3'], ['20300101000000_m1', '20300102000000_m2', '20300103000000_s1', '20300104000000_m3']]) {
      const result = status(history);
      assert.deepEqual(result.applied, [s2.name], history.join(', '));
      assert.deepEqual(result.squashedToRecord, [{ name: s2.name, replaces: ['20300103000000_s1', '20300104000000_m3'] }]);
      assert.deepEqual([result.missing, result.pending, result.partlySquashed], [[], [], []]);
    }
  });

  test('is pending on a fresh database, and partly applied when only some of the originals ran', () => {
    assert.deepEqual(status([]).pending, [s2.name]);
    const partial = status(['20300101000000_m1']);
    assert.deepEqual(partial.partlySquashed, [{ name: s2.name, applied: [], notApplied: ['20300103000000_s1', '20300104000000_m3'] }]);
    assert.deepEqual(partial.applied, []);
  });
});
