import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTempProject, examplePlugins } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase } from './support/test-databases.ts';

const PARALLEL_DEPLOYS = 6;

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`deploy safety on ${provider}`, () => {
    test(`${PARALLEL_DEPLOYS} deploys started at once apply every migration exactly once`, async () => {
      const db = await createTestDatabase(provider);
      const project = createTempProject(provider, examplePlugins(), db.url);
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        const runs = await Promise.all(Array.from({ length: PARALLEL_DEPLOYS }, () => project.cli(['deploy'])));
        for (const run of runs) assert.equal(run.exitCode, 0, run.stderr);
        const applied = runs.filter((run) => /Applied 2 migration/.test(run.stdout)).length;
        const idle = runs.filter((run) => /Nothing to deploy/.test(run.stdout)).length;
        // Who wins is up to the lock; together they apply each migration once.
        assert.ok(applied >= 1 && applied + idle <= PARALLEL_DEPLOYS, runs.map((run) => run.stdout).join('\n---\n'));
        for (const plugin of ['one', 'two']) {
          const rows = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "_prisma_migrations_${plugin}"`);
          assert.equal(Number(rows[0]!.n), 1, `plugin ${plugin} must have exactly one history row`);
        }
      } finally {
        project.remove();
        await db.drop();
      }
    });

    test('a table rebuild keeps the rows of tables that reference it (no cascade through DROP TABLE)', async () => {
      const db = await createTestDatabase(provider);
      const project = createTempProject(provider, examplePlugins(), db.url);
      try {
        assert.equal((await project.cli(['generate'])).exitCode, 0);
        assert.equal((await project.cli(['deploy'])).exitCode, 0);
        await db.exec(`INSERT INTO books (id, title) VALUES (1, 'Dune')`);
        await db.exec(`INSERT INTO users (id, name, "favoriteBookId") VALUES (1, 'ada', 1), (2, 'bob', 1)`);
        // A new required column with a default makes SQLite rebuild "books" (create, copy, drop, rename).
        project.writePlugin('one', { ...examplePlugins().one!, models: examplePlugins().one!.models.replace('author String?', 'author String?\n  pages  Int     @default(100)') });
        assert.equal((await project.cli(['generate', '--name', 'pages', '--accept-data-loss'])).exitCode, 0);
        const deployed = await project.cli(['deploy']);
        assert.equal(deployed.exitCode, 0, deployed.stderr);
        assert.deepEqual(await db.query('SELECT id, "favoriteBookId" FROM users ORDER BY id'), [
          { id: 1, favoriteBookId: 1 },
          { id: 2, favoriteBookId: 1 },
        ]);
        assert.deepEqual(await db.query('SELECT id, pages FROM books'), [{ id: 1, pages: 100 }]);
      } finally {
        project.remove();
        await db.drop();
      }
    });
  });
}

describe('bad input is a clear error, a non-zero exit, and an unchanged database', () => {
  test('migrations generated for SQLite are refused by a PostgreSQL database', async () => {
    const db = await createTestDatabase('postgresql');
    const project = createTempProject('sqlite', examplePlugins(), db.url);
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      const refused = await project.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /PROVIDER_MISMATCH.*Plugin "one": its migrations were generated for sqlite, but DATABASE_URL .* is a postgresql database/);
      assert.deepEqual(await db.tables(), []);
    } finally {
      project.remove();
      await db.drop();
    }
  });

  test('an unreachable database exits 3 with the address and a fix', async () => {
    const project = createTempProject('postgresql', examplePlugins(), 'postgresql://postgres:secret@127.0.0.1:1/nowhere');
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0, 'generate needs no database');
      const result = await project.cli(['deploy']);
      assert.equal(result.exitCode, 3);
      assert.match(result.stderr, /DATABASE_UNREACHABLE.*127\.0\.0\.1:1/);
      assert.doesNotMatch(result.stderr, /secret/, 'the password must not be printed');
      assert.match(result.stderr, /Fix: /);
    } finally {
      project.remove();
    }
  });

  test('a schema error names the plugin, the file and the line, and no plugin gets a migration', async () => {
    const project = createTempProject('sqlite', {
      ...examplePlugins(),
      one: { ...examplePlugins().one!, models: examplePlugins().one!.models.replace('author String?', 'author Strin?') },
    });
    try {
      const result = await project.cli(['generate']);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /SCHEMA_INVALID.*Plugin "one"/);
      assert.match(result.stderr, /plugins\/one\/models\.prisma:5/);
      assert.deepEqual(project.migrations('one'), []);
      assert.deepEqual(project.migrations('two'), []);
    } finally {
      project.remove();
    }
  });

  test('an unknown plugin name lists the known ones', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      const result = await project.cli(['deploy', 'three']);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /PLUGIN_NOT_FOUND.*Unknown plugin: three/);
      assert.match(result.stderr, /Known plugins: one, two/);
    } finally {
      project.remove();
    }
  });
});
