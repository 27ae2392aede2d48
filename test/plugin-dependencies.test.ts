import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createTempProject, examplePlugins, type PluginFixture } from './support/temp-project.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase } from './support/test-databases.ts';

const plugin = (models: string, dependsOn: string[] = []): PluginFixture => ({ models, manifest: { version: '1.0.0', dependsOn } });

/** core ← billing ← reports: each relates to the one before it. */
const CHAIN = {
  core: plugin(`model Tenant {\n  id   Int    @id @default(autoincrement())\n  name String\n\n  @@map("tenants")\n}\n`),
  billing: plugin(
    `model Invoice {\n  id       Int    @id @default(autoincrement())\n  tenantId Int\n  tenant   Tenant @relation(fields: [tenantId], references: [id], onDelete: Cascade)\n\n  @@map("invoices")\n}\n`,
    ['core'],
  ),
  reports: plugin(
    `model ReportRow {\n  id        Int     @id @default(autoincrement())\n  invoiceId Int     @unique\n  invoice   Invoice @relation(fields: [invoiceId], references: [id], onDelete: Cascade)\n\n  @@map("report_rows")\n}\n`,
    ['billing'],
  ),
};

/** a ← b, a ← c, b,c ← d. */
const DIAMOND = {
  d: plugin(
    `model D {\n  id  Int @id\n  bId Int\n  cId Int\n  b   B   @relation(fields: [bId], references: [id])\n  c   C   @relation(fields: [cId], references: [id])\n\n  @@map("d_rows")\n}\n`,
    ['c', 'b'],
  ),
  c: plugin(`model C {\n  id  Int @id\n  aId Int\n  a   A   @relation(fields: [aId], references: [id])\n\n  @@map("c_rows")\n}\n`, ['a']),
  b: plugin(`model B {\n  id  Int @id\n  aId Int\n  a   A   @relation(fields: [aId], references: [id])\n\n  @@map("b_rows")\n}\n`, ['a']),
  a: plugin(`model A {\n  id Int @id\n\n  @@map("a_rows")\n}\n`),
};

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`plugins that build on plugins, on ${provider}`, () => {
    const fresh = freshDatabasePerTest(provider);
    const { project } = fresh;

    test('a three-plugin chain: foreign keys belong to the dependent plugin; deploying the last plugin deploys its dependencies first', async () => {
      const chain = project(CHAIN);
      const generated = await chain.cli(['generate']);
      assert.equal(generated.exitCode, 0, generated.stderr);
      assert.deepEqual(lineOrder(generated.stdout, ['core', 'billing', 'reports']), ['core', 'billing', 'reports']);
      const billingSql = chain.readMigration('billing', chain.migrations('billing')[0]!);
      assert.match(billingSql, /CREATE TABLE "invoices"/);
      assert.match(billingSql, /REFERENCES "tenants"/);
      assert.doesNotMatch(billingSql, /CREATE TABLE "tenants"|ALTER TABLE "tenants"/);
      assert.doesNotMatch(chain.readMigration('reports', chain.migrations('reports')[0]!), /CREATE TABLE "(invoices|tenants)"/);

      const deployed = await chain.cli(['deploy', 'reports']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(lineOrder(deployed.stdout, ['core', 'billing', 'reports']), ['core', 'billing', 'reports']);
      assert.deepEqual(await fresh.db.tables(), ['_prisma_migrations_billing', '_prisma_migrations_core', '_prisma_migrations_reports', 'invoices', 'report_rows', 'tenants']);

      await fresh.db.exec(`INSERT INTO tenants (id, name) VALUES (1, 'acme')`);
      await fresh.db.exec(`INSERT INTO invoices (id, "tenantId") VALUES (10, 1)`);
      await fresh.db.exec(`INSERT INTO report_rows (id, "invoiceId") VALUES (100, 10)`);
      await fresh.db.exec(`DELETE FROM tenants WHERE id = 1`);
      assert.deepEqual(await fresh.db.query('SELECT id FROM report_rows'), [], 'ON DELETE CASCADE must reach through the chain');
    });

    test('a diamond is deployed in one deterministic dependency order', async () => {
      const diamond = project(DIAMOND);
      const generated = await diamond.cli(['generate']);
      assert.equal(generated.exitCode, 0, generated.stderr);
      assert.deepEqual(lineOrder(generated.stdout, ['a', 'b', 'c', 'd']), ['a', 'b', 'c', 'd']);
      const dSql = diamond.readMigration('d', diamond.migrations('d')[0]!);
      assert.match(dSql, /REFERENCES "b_rows"/);
      assert.match(dSql, /REFERENCES "c_rows"/);
      assert.doesNotMatch(dSql, /CREATE TABLE "(a_rows|b_rows|c_rows)"/);
      const deployed = await diamond.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(lineOrder(deployed.stdout, ['a', 'b', 'c', 'd']), ['a', 'b', 'c', 'd']);
      const status = await diamond.cli(['status', '--json']);
      assert.deepEqual((JSON.parse(status.stdout) as { plugins: { plugin: string }[] }).plugins.map((p) => p.plugin), ['a', 'b', 'c', 'd']);
    });

    test("the example plugins: two's users relate to one's books with SET NULL, and a third plugin cascades", async () => {
      const examples = project({
        ...examplePlugins(),
        reviews: plugin(
          `model Review {\n  id     Int    @id @default(autoincrement())\n  bookId Int\n  text   String\n  book   Book   @relation(fields: [bookId], references: [id], onDelete: Cascade)\n\n  @@map("reviews")\n}\n`,
          ['one'],
        ),
      });
      assert.equal((await examples.cli(['generate'])).exitCode, 0);
      const deployed = await examples.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      await fresh.db.exec(`INSERT INTO books (id, title) VALUES (1, 'Dune')`);
      await fresh.db.exec(`INSERT INTO users (id, name, "favoriteBookId") VALUES (1, 'ada', 1)`);
      await fresh.db.exec(`INSERT INTO reviews (id, "bookId", text) VALUES (1, 1, 'great')`);
      await fresh.db.exec(provider === 'sqlite' ? 'PRAGMA foreign_keys = ON; DELETE FROM books WHERE id = 1' : 'DELETE FROM books WHERE id = 1');
      assert.deepEqual(await fresh.db.query('SELECT id, "favoriteBookId" FROM users'), [{ id: 1, favoriteBookId: null }]);
      assert.deepEqual(await fresh.db.query('SELECT id FROM reviews'), []);

      // A change to the dependency's model is external to the dependents: no migration for them.
      examples.writePlugin('one', { ...examplePlugins().one!, models: examplePlugins().one!.models.replace('author String?', 'author String?\n  isbn   String?') });
      const next = await examples.cli(['generate', '--name', 'isbn']);
      assert.equal(next.exitCode, 0, next.stderr);
      assert.equal(examples.migrations('one').length, 2);
      assert.equal(examples.migrations('two').length, 1);
      assert.equal(examples.migrations('reviews').length, 1);
    });

    test('a migration edited by hand to touch another plugin\'s table is refused before anything runs', async () => {
      const examples = project(examplePlugins());
      assert.equal((await examples.cli(['generate'])).exitCode, 0);
      const [init] = examples.migrations('two');
      examples.writeMigration('two', init!, `${examples.readMigration('two', init!)}\nUPDATE "books" SET "title" = 'mine';\n`);
      const refused = await examples.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /OWNERSHIP_VIOLATION/);
      assert.match(refused.stderr, new RegExp(`plugin "two", migration ${init}: changes table "books", owned by plugin "one"`));
      assert.deepEqual(await fresh.db.tables(), [], 'not even plugin one may be deployed when the plan is refused');

      examples.writeMigration('two', init!, `${examples.readMigration('two', init!).replace(`UPDATE "books" SET "title" = 'mine';`, 'DROP TABLE "_prisma_migrations_one";')}`);
      const dropHistory = await examples.cli(['deploy']);
      assert.equal(dropHistory.exitCode, 1);
      assert.match(dropHistory.stderr, /changes table "_prisma_migrations_one", owned by plugin "one"/);
    });
  });
}

describe('bad plugin graphs are errors naming the plugins, and nothing is written', () => {
  const cases: { name: string; plugins: Record<string, PluginFixture>; code: string; message: RegExp }[] = [
    {
      name: 'a cycle',
      plugins: { x: plugin('model X {\n  id Int @id\n}\n', ['y']), y: plugin('model Y {\n  id Int @id\n}\n', ['z']), z: plugin('model Z {\n  id Int @id\n}\n', ['x']) },
      code: 'PLUGIN_MANIFEST_INVALID',
      message: /cycle: x → y → z → x/,
    },
    {
      name: 'a missing dependency',
      plugins: { x: plugin('model X {\n  id Int @id\n}\n', ['ghost']) },
      code: 'PLUGIN_MANIFEST_INVALID',
      message: /Plugin "x" depends on "ghost", which is not a plugin/,
    },
    {
      name: 'a table claimed by two plugins',
      plugins: { x: plugin('model X {\n  id Int @id\n\n  @@map("shared")\n}\n'), y: plugin('model Y {\n  id Int @id\n\n  @@map("shared")\n}\n') },
      code: 'OWNERSHIP_CONFLICT',
      message: /table "shared" is claimed by two plugins: "x" and "y"/,
    },
    {
      name: 'a relation to a plugin that is not a dependency',
      plugins: { x: plugin('model X {\n  id Int @id\n}\n'), y: plugin('model Y {\n  id  Int @id\n  xId Int\n  x   X   @relation(fields: [xId], references: [id])\n}\n') },
      code: 'PLUGIN_MODELS_INVALID',
      message: /Y\.x relates to model X of plugin "x", which "y" does not depend on/,
    },
    {
      name: "a relation whose foreign key would live in the dependency's table",
      // (A list field, `xs X[]`, is an implicit many-to-many relation, whose join table the dependent owns.)
      plugins: { x: plugin('model X {\n  id Int @id\n}\n'), y: plugin('model Y {\n  id Int @id\n  x  X?\n}\n', ['x']) },
      code: 'PLUGIN_MODELS_INVALID',
      message: /models\.prisma:3, field Y\.x is the side of a relation without the foreign key/,
    },
    {
      name: 'a malformed manifest',
      plugins: { x: { models: 'model X {\n  id Int @id\n}\n', manifest: { version: 1 } } },
      code: 'PLUGIN_MANIFEST_INVALID',
      message: /Plugin "x": .*plugin\.json has no "version" string/,
    },
  ];
  for (const { name, plugins, code, message } of cases) {
    test(name, async () => {
      const project = createTempProject('sqlite', plugins);
      try {
        const result = await project.cli(['generate']);
        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, new RegExp(`Error \\[${code}\\]`));
        assert.match(result.stderr, message);
        assert.match(result.stderr, /Fix: /);
        for (const plugin of Object.keys(plugins)) assert.deepEqual(project.migrations(plugin), []);
      } finally {
        project.remove();
      }
    });
  }

  test('a table claimed twice is also refused at deploy, before anything runs', async () => {
    const db = await createTestDatabase('sqlite');
    const project = createTempProject('sqlite', { x: plugin('model X {\n  id Int @id\n\n  @@map("shared")\n}\n') }, db.url);
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      project.writePlugin('y', plugin('model Y {\n  id Int @id\n\n  @@map("shared")\n}\n'));
      mkdirSync(path.join(project.pluginDir('y'), 'migrations', '20990101000000_init'), { recursive: true });
      writeFileSync(path.join(project.pluginDir('y'), 'migrations', '20990101000000_init', 'migration.sql'), 'CREATE TABLE "shared" ("id" INTEGER);');
      const refused = await project.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /OWNERSHIP_CONFLICT.*"shared" is claimed by two plugins: "x" and "y"/);
      assert.deepEqual(await db.tables(), []);
    } finally {
      project.remove();
      await db.drop();
    }
  });
});

/** The order in which the plugin names first appear at the start of output lines (task titles). */
function lineOrder(output: string, names: string[]): string[] {
  const seen: string[] = [];
  for (const line of output.split('\n')) {
    const name = /^\W*\s*(\w+):/.exec(line)?.[1];
    if (name && names.includes(name) && !seen.includes(name)) seen.push(name);
  }
  return seen;
}
