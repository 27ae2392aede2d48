import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InProcessDiffEngine } from '../orchestrator/engine/in-process-diff-engine.ts';
import { assertMatchesMonolith } from './support/compare-with-monolith.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import type { PluginFixture, TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST } from './support/test-databases.ts';

// The numbered cases of issue 10, through the real CLI, generated and deployed on each database.
// After a case's last deploy the database must equal the same models as one monolithic Prisma
// schema applied from empty (assertMatchesMonolith).

const plugin = (models: string, dependsOn: string[] = []): PluginFixture => ({ models, manifest: { version: '1.0.0', dependsOn } });

const CATALOG = plugin(`model Product {
  id   Int   @id
  tags Tag[]

  @@map("products")
}

model Tag {
  id       Int       @id
  products Product[]

  @@map("tags")
}
`);

const ORDERS = plugin(
  `model Order {
  id        Int     @id
  productId Int
  product   Product @relation(fields: [productId], references: [id])
  labels    Tag[]

  @@map("orders")
}
`,
  ['catalog'],
);

const CORE_V1 = `model Book {
  id     Int    @id
  status Status @default(ACTIVE)
  format Format @default(PAPER)

  @@map("books")
}

model Shelf {
  id Int @id

  @@map("shelves")
}

enum Status {
  ACTIVE
  RETIRED
}

enum Format {
  PAPER
  AUDIO
}

enum Color {
  RED
}
`;

const APP = plugin(
  `model Loan {
  id     Int    @id
  bookId Int
  status Status @default(ACTIVE)
  book   Book   @relation(fields: [bookId], references: [id])

  @@map("loans")
}
`,
  ['core'],
);

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`issue 10's cases, generated and deployed on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);
    const { project } = fresh;

    async function generateAndDeploy(p: TempProject, name?: string): Promise<void> {
      const generated = await p.cli(['generate', '--accept-data-loss', ...(name ? ['--name', name] : [])]);
      assert.equal(generated.exitCode, 0, generated.stderr);
      const deployed = await p.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
    }
    const latest = (p: TempProject, plugin: string) => p.readMigration(plugin, p.migrations(plugin).at(-1)!);

    test('1: implicit many-to-many join tables are created once, by the plugin that declares the relation', async () => {
      const p = project({ catalog: CATALOG, orders: ORDERS });
      await generateAndDeploy(p);
      assert.match(latest(p, 'catalog'), /CREATE TABLE "_ProductToTag"/);
      const orders = latest(p, 'orders');
      assert.doesNotMatch(orders, /"_ProductToTag"/);
      assert.match(orders, /CREATE TABLE "_OrderToTag"/);
      const tables = await fresh.db.tables();
      for (const table of ['_OrderToTag', '_ProductToTag', 'orders', 'products', 'tags']) assert.ok(tables.includes(table), `${table} in ${tables.join(', ')}`);
      await fresh.db.exec(`INSERT INTO products (id) VALUES (1)`);
      await fresh.db.exec(`INSERT INTO tags (id) VALUES (1)`);
      await fresh.db.exec(`INSERT INTO orders (id, "productId") VALUES (1, 1)`);
      await fresh.db.exec(`INSERT INTO "_ProductToTag" ("A", "B") VALUES (1, 1)`);
      await fresh.db.exec(`INSERT INTO "_OrderToTag" ("A", "B") VALUES (1, 1)`);
      const again = await p.cli(['generate']);
      assert.match(again.stdout, /No changes/);
      await assertMatchesMonolith(fresh.db, { catalog: CATALOG, orders: ORDERS });
    });

    test('2: a dependency renaming (@@map) or removing models and enums puts no DROP into its dependents\' migrations', async () => {
      const p = project({ core: plugin(CORE_V1), app: APP });
      await generateAndDeploy(p);
      p.writePlugin('core', plugin(CORE_V1.replace('@@map("shelves")', '@@map("book_shelves")').replace('enum Color {\n  RED\n}\n', '').replace('PAPER\n  AUDIO\n}', 'PAPER\n  AUDIO\n\n  @@map("formats")\n}')));
      await generateAndDeploy(p, 'rename');
      assert.equal(p.migrations('app').length, 1, 'the dependent has nothing to change');
      const core = latest(p, 'core');
      assert.match(core, /DROP TABLE "shelves"/);
      assert.match(core, /CREATE TABLE "book_shelves"/);

      // The dependent changes too, in the same generate: its diff starts from a snapshot that still has the old names.
      const final = {
        core: plugin(CORE_V1.replace(/model Shelf \{[^}]*\}\n\n/, '').replace('enum Color {\n  RED\n}\n', '')),
        app: { ...APP, models: APP.models.replace('  bookId Int\n', '  bookId Int\n  note   String?\n') },
      };
      p.writePlugin('core', final.core);
      p.writePlugin('app', final.app);
      await generateAndDeploy(p, 'remove');
      const app = latest(p, 'app');
      assert.match(app, /"note"/);
      assert.doesNotMatch(app, /DROP TABLE|DROP TYPE|"shelves"|"book_shelves"|"Color"|"formats"/);
      const tables = await fresh.db.tables();
      assert.ok(!tables.includes('shelves') && !tables.includes('book_shelves'), tables.join(', '));
      assert.ok(tables.includes('loans'));
      await assertMatchesMonolith(fresh.db, final);
    });

    test('2: a dependency dropping or renaming a table a dependent references is refused, and works in two steps', async () => {
      const p = project({ core: plugin(CORE_V1), app: APP });
      await generateAndDeploy(p);
      await fresh.db.exec(`INSERT INTO books (id) VALUES (1)`);
      await fresh.db.exec(`INSERT INTO loans (id, "bookId") VALUES (1, 1)`);
      p.writePlugin('core', plugin(CORE_V1.replace('@@map("books")', '@@map("library_books")')));
      const refused = await p.cli(['generate', '--name', 'rename_books']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /PLUGIN_MODELS_INVALID.*Plugin "core": its models no longer declare tables that other plugins' foreign keys use: table "books" is referenced by plugin "app" \(Loan\.book\)/);
      assert.match(refused.stderr, /Fix: Do it in two releases/);
      assert.equal(p.migrations('core').length, 1);

      // Step one: the dependent drops its relation. Step two: the owner renames the table.
      const final = {
        core: plugin(CORE_V1.replace('@@map("books")', '@@map("library_books")')),
        app: { ...APP, models: APP.models.replace('  book   Book   @relation(fields: [bookId], references: [id])\n', '') },
      };
      p.writePlugin('core', plugin(CORE_V1));
      p.writePlugin('app', final.app);
      await generateAndDeploy(p, 'drop_relation');
      p.writePlugin('core', final.core);
      await generateAndDeploy(p, 'rename_books');
      assert.equal(p.migrations('app').length, 2);
      assert.doesNotMatch(latest(p, 'app'), /library_books/);
      const tables = await fresh.db.tables();
      assert.ok(tables.includes('library_books') && !tables.includes('books'), tables.join(', '));
      await assertMatchesMonolith(fresh.db, final);
    });

    test('3: an enum losing a value that other plugins\' columns use is refused, naming them; a value only the owner uses may go', async () => {
      const p = project({ core: plugin(CORE_V1), app: APP });
      await generateAndDeploy(p);
      p.writePlugin('core', plugin(CORE_V1.replace('ACTIVE\n  RETIRED\n', 'ACTIVE\n')));
      const refused = await p.cli(['generate']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /Error \[ENUM_VALUE_IN_USE\]: Plugin "core": enum Status loses the value RETIRED, which columns of other plugins use: plugin "app" Loan\.status/);
      assert.match(refused.stderr, /Fix: Keep the value/);
      assert.equal(p.migrations('core').length, 1, 'nothing written');
      p.writePlugin('core', plugin(CORE_V1.replace('ACTIVE\n  RETIRED\n', 'ACTIVE\n  RETIRED\n\n  @@map("statuses")\n')));
      const renamed = await p.cli(['generate']);
      assert.equal(renamed.exitCode, 1);
      assert.match(renamed.stderr, /ENUM_VALUE_IN_USE.*enum Status changes its database type from "Status" to "statuses", which columns of other plugins use: plugin "app" Loan\.status/);

      const final = { core: plugin(CORE_V1.replace('PAPER\n  AUDIO\n', 'PAPER\n')), app: APP };
      p.writePlugin('core', final.core);
      const generated = await p.cli(['generate', '--name', 'drop_audio', '--accept-data-loss']);
      assert.equal(generated.exitCode, 0, generated.stderr);
      assert.equal(p.migrations('app').length, 1);
      if (provider === 'postgresql') {
        // The engine converts the owner's columns and wraps that in its own BEGIN/COMMIT, which
        // deploying is the deploy side's business; here: only core's table is converted.
        assert.match(latest(p, 'core'), /ALTER TABLE "books" ALTER COLUMN "format" TYPE "Format_new"/);
        assert.doesNotMatch(latest(p, 'core'), /"loans"/);
      } else {
        // SQLite has no enum types: nothing to migrate, so no migration.
        assert.equal(p.migrations('core').length, 1);
      }
      const deployed = await p.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      await assertMatchesMonolith(fresh.db, final);
    });

    test('4: a one-to-one relation keyed by the model\'s @id gets an optional back field in the composed copy', async () => {
      const plugins = {
        core: plugin(`model Organization {\n  id   String @id\n  name String\n\n  @@map("organizations")\n}\n`),
        app: plugin(`model OrgSettings {\n  organizationId String       @id\n  theme          String\n  organization   Organization @relation(fields: [organizationId], references: [id])\n\n  @@map("org_settings")\n}\n`, ['core']),
      };
      const p = project(plugins);
      await generateAndDeploy(p);
      const snapshot = readFileSync(path.join(p.pluginDir('app'), 'migrations', p.migrations('app')[0]!, 'snapshot.prisma'), 'utf8');
      assert.match(snapshot, /orgSettingsOrganization OrgSettings\? /);
      await fresh.db.exec(`INSERT INTO organizations (id, name) VALUES ('o1', 'acme')`);
      await fresh.db.exec(`INSERT INTO org_settings ("organizationId", theme) VALUES ('o1', 'dark')`);
      await assert.rejects(fresh.db.exec(`INSERT INTO org_settings ("organizationId", theme) VALUES ('o1', 'light')`));
      await assertMatchesMonolith(fresh.db, plugins);
    });

    test('6: names the engine writes broken SQL for are refused at generate with plugin, file and line', async () => {
      const bad =
        provider === 'postgresql'
          ? `model A {\n  id Int @id\n  k  Kind\n\n  @@map("a\\"b")\n}\n\nenum Kind {\n  ITS @map("it's")\n}\n`
          : `model A {\n  id Int @id\n\n  @@map("sqlite_x")\n}\n\nmodel B {\n  id Int @id\n\n  @@map("")\n}\n`;
      // First, proof that the engine's SQL for these names fails on this database.
      const engine = new InProcessDiffEngine();
      const sql = await engine.diff({ plugin: 'names', provider, from: null, to: [{ path: 'x.prisma', content: `datasource db {\n  provider = "${provider}"\n}\n\n${bad}` }], externalTables: [], externalEnums: [] });
      await engine.close();
      // (An empty table name runs on SQLite; it is refused on both providers all the same, since the same models must serve PostgreSQL.)
      for (const statement of sql.split(';').filter((s) => /CREATE (TABLE|TYPE) "(?!")/.test(s))) await assert.rejects(fresh.db.exec(statement), `fails on ${provider}: ${statement}`);

      const p = project({ names: plugin(bad) });
      const refused = await p.cli(['generate']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /Error \[SCHEMA_INVALID\]: Plugin "names": names that would produce SQL failing/);
      if (provider === 'postgresql') {
        assert.match(refused.stderr, /plugins\/names\/models\.prisma:1 \(A\): the table name "a\\"b" contains a double quote/);
        assert.match(refused.stderr, /plugins\/names\/models\.prisma:8 \(Kind\): the value ITS of enum Kind is stored as "it's"/);
      } else {
        assert.match(refused.stderr, /plugins\/names\/models\.prisma:1 \(A\): the table name "sqlite_x" starts with "sqlite_"/);
        assert.match(refused.stderr, /plugins\/names\/models\.prisma:7 \(B\): the table name "" is empty/);
      }
      assert.deepEqual(p.migrations('names'), []);

      // Quotes the engine does escape are fine, and deploy.
      const finePlugins = { names: plugin(`model A {\n  id Int    @id\n  s  String @default("it's \\"q\\"")\n\n  @@map("a_b")\n}\n`) };
      const fine = project(finePlugins);
      await generateAndDeploy(fine);
      await fresh.db.exec(`INSERT INTO a_b (id) VALUES (1)`);
      assert.deepEqual(await fresh.db.query('SELECT s FROM a_b'), [{ s: `it's "q"` }]);
      await assertMatchesMonolith(fresh.db, finePlugins);
    });

    test('7: models of one name in independent plugins deploy side by side; two relations to one dependency model get distinct back fields', async () => {
      const users = (table: string, model = 'User') => plugin(`model ${model} {\n  id Int @id\n\n  @@map("${table}")\n}\n`);
      const plugins = {
        a: users('a_users'),
        b: users('b_users'),
        library: plugin(`model Book {\n  id Int @id\n\n  @@map("books")\n}\n`),
        readers: plugin(
          `model Reader {\n  id             Int   @id\n  favoriteBookId Int?\n  favoriteBook   Book? @relation(fields: [favoriteBookId], references: [id])\n\n  @@map("readers")\n}\n\nmodel ReaderFavorite {\n  id     Int  @id\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n\n  @@map("reader_favorites")\n}\n`,
          ['library'],
        ),
      };
      const p = project(plugins);
      await generateAndDeploy(p);
      const tables = await fresh.db.tables();
      for (const table of ['a_users', 'b_users', 'readers', 'reader_favorites']) assert.ok(tables.includes(table));
      // One schema cannot declare User twice: its team would have named b's model differently, for the same table.
      await assertMatchesMonolith(fresh.db, { ...plugins, b: users('b_users', 'BUser') });

      p.writePlugin('c', plugin(`model C {\n  id Int @id\n}\n`, ['a', 'b']));
      const refused = await p.cli(['generate']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /PLUGIN_MODELS_INVALID.*Plugin "c" depends on "a" and "b", which both declare User \(plugins\/a\/models\.prisma:1, plugins\/b\/models\.prisma:1\)/);
    });

    test('8: SQLite native-type stripping leaves string literals intact', async () => {
      const plugins = { notes: plugin(`model Note {\n  id   Int    @id\n  body String @default("store it as @db.Text please") @db.VarChar(30)\n\n  @@map("notes")\n}\n`) };
      const p = project(plugins);
      await generateAndDeploy(p);
      const sql = latest(p, 'notes');
      assert.match(sql, /DEFAULT 'store it as @db\.Text please'/);
      if (provider === 'postgresql') assert.match(sql, /VARCHAR\(30\)/);
      else assert.doesNotMatch(sql, /VARCHAR/);
      await fresh.db.exec(`INSERT INTO notes (id) VALUES (1)`);
      assert.deepEqual(await fresh.db.query('SELECT body FROM notes'), [{ body: 'store it as @db.Text please' }]);
      await assertMatchesMonolith(fresh.db, plugins);
    });
  });
}
