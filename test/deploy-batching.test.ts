import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createTempProject, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';
import { POSTGRES_UNITS_PER_GROUP } from '../orchestrator/database/transaction-framing.ts';

/**
 * How deploy groups its work: PostgreSQL sends each step as one query, SQLite runs a deploy in
 * one transaction with a savepoint per step, and --single-transaction makes a run all or nothing.
 * Whatever the grouping, a failure must name its statement and keep exactly what it promises.
 */

const ABC = {
  models: ['alpha', 'beta', 'gamma'].map((table) => `model ${table[0]!.toUpperCase()}${table.slice(1)} {\n  id Int @id\n  v  Int\n\n  @@map("${table}")\n}\n`).join('\n'),
};

const FIRST = '20300101000000_alpha';
const SECOND = '20300102000000_beta';
const THIRD = '20300103000000_gamma';

/** The second migration: two statements that run, then one that fails on its CHECK (line 5), then one that never runs. */
const FAILING_SECOND = [
  '-- beta, with a value the CHECK refuses',
  'CREATE TABLE "beta" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL CHECK ("v" > 0), "note" TEXT);',
  'INSERT INTO "beta" ("id", "v", "note") VALUES (1, 1, \'fine\');',
  '',
  'INSERT INTO "beta" ("id", "v", "note") VALUES (2, -1, \'it\'\'s a \\ backslash\');',
  'INSERT INTO "beta" ("id", "v") VALUES (3, 3);',
  '',
].join('\n');

function writeMigration(project: TempProject, name: string, sql: string): void {
  const dir = path.join(project.pluginDir('one'), 'migrations', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
}

function writeThree(project: TempProject, second: string): void {
  // A comment before a statement's `;` must not swallow the `;` when the statements travel as one query.
  writeMigration(project, FIRST, 'CREATE TABLE "alpha" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL) -- the first table\n;\nINSERT INTO "alpha" ("id", "v") VALUES (1, 1);\n');
  writeMigration(project, SECOND, second);
  writeMigration(project, THIRD, 'CREATE TABLE "gamma" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL);\n');
}

async function history(db: TestDatabase) {
  const rows = await db.query<{ migration_name: string; finished_at: unknown; rolled_back_at: unknown; logs: string | null }>(
    'SELECT migration_name, finished_at, rolled_back_at, logs FROM "_prisma_migrations_one" ORDER BY started_at, migration_name',
  );
  return rows.map((row) => ({ name: row.migration_name, state: row.finished_at !== null ? 'applied' : row.rolled_back_at !== null ? 'failed' : 'in progress', logs: row.logs }));
}

async function withProject(provider: (typeof PROVIDERS_UNDER_TEST)[number], work: (project: TempProject, db: TestDatabase) => Promise<void>) {
  const db = await createTestDatabase(provider);
  const project = createTempProject(provider, { one: ABC }, db.url);
  rmSync(path.join(project.pluginDir('one'), 'migrations'), { recursive: true, force: true });
  try {
    await work(project, db);
  } finally {
    project.remove();
    await db.drop();
  }
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`deploy batching on ${provider}`, () => {
    test('a failure in the middle names its statement, keeps the migrations before it and rolls its own back', async () => {
      await withProject(provider, async (project, db) => {
        writeThree(project, FAILING_SECOND);
        const failed = await project.cli(['deploy']);
        assert.equal(failed.exitCode, 1, failed.stdout);
        assert.match(failed.stderr, new RegExp(`MIGRATION_FAILED.*Plugin "one", migration ${SECOND}`));
        // The third statement, not the second (which ran) nor the fourth (which never did).
        assert.match(failed.stderr, /failed at statement 3 of 4 \(line 5\):\n\s+INSERT INTO "beta" \("id", "v", "note"\) VALUES \(2, -1/);
        assert.match(failed.stderr, /The migration was rolled back/);
        assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');

        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha']);
        assert.deepEqual(await db.query('SELECT "id", "v" FROM "alpha"'), [{ id: 1, v: 1 }]);
        const rows = await history(db);
        assert.deepEqual(rows.map(({ name, state }) => ({ name, state })), [
          { name: FIRST, state: 'applied' },
          { name: SECOND, state: 'failed' },
        ]);
        // The failed attempt's log quotes the statement, quote and backslash intact (inlined literals are escaped).
        assert.ok(rows[1]!.logs!.includes("statement 3 of 4 (line 5):\n  INSERT INTO \"beta\" (\"id\", \"v\", \"note\") VALUES (2, -1, 'it''s a \\ backslash')"), rows[1]!.logs!);

        writeMigration(project, SECOND, FAILING_SECOND.replace('(2, -1,', '(2, 2,'));
        const resumed = await project.cli(['deploy']);
        assert.equal(resumed.exitCode, 0, resumed.stderr);
        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha', 'beta', 'gamma']);
        assert.deepEqual(await db.query('SELECT "note" FROM "beta" WHERE "id" = 2'), [{ note: "it's a \\ backslash" }]);
        assert.deepEqual((await history(db)).map(({ name, state }) => ({ name, state })), [
          { name: FIRST, state: 'applied' },
          { name: SECOND, state: 'failed' },
          { name: SECOND, state: 'applied' },
          { name: THIRD, state: 'applied' },
        ]);
      });
    });

    test('a row that breaks a deferred foreign key fails its migration at commit, and keeps the migrations before it', async () => {
      await withProject(provider, async (project, db) => {
        writeThree(project, 'CREATE TABLE "beta" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL REFERENCES "alpha" ("id") DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO "beta" ("id", "v") VALUES (1, 42);\n');
        const failed = await project.cli(['deploy']);
        assert.equal(failed.exitCode, 1, failed.stdout);
        // No statement fails: the deferred check does, at COMMIT on PostgreSQL (every statement runs fine again alone), and
        // on SQLite, which runs the step with foreign keys off (table rebuilds need it), before its savepoint is released.
        assert.match(failed.stderr, /failed at while committing:\nDatabase error: /);
        assert.match(failed.stderr, provider === 'sqlite' ? /foreign key check failed: 1 row\(s\) in "beta" reference missing rows in "alpha"/ : /violates foreign key constraint .*\(SQLSTATE 23503\)/);
        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha']);
        assert.deepEqual((await history(db)).map(({ name, state }) => ({ name, state })), [
          { name: FIRST, state: 'applied' },
          { name: SECOND, state: 'failed' },
        ]);
      });
    });

    test('--single-transaction applies every pending migration, or none of them', async () => {
      await withProject(provider, async (project, db) => {
        writeThree(project, FAILING_SECOND);
        const failed = await project.cli(['deploy', '--single-transaction']);
        assert.equal(failed.exitCode, 1, failed.stdout);
        assert.match(failed.stderr, /failed at statement 3 of 4 \(line 5\)/);
        assert.match(failed.stderr, /With --single-transaction the whole run was rolled back: none of its 3 pending migration\(s\) were kept\./);
        // alpha, applied before the failure in the same run, is gone too; the failed attempt is recorded.
        assert.deepEqual(await db.tables(), ['_prisma_migrations_one']);
        assert.deepEqual((await history(db)).map(({ name, state }) => ({ name, state })), [{ name: SECOND, state: 'failed' }]);

        writeMigration(project, SECOND, FAILING_SECOND.replace('(2, -1,', '(2, 2,'));
        const applied = await project.cli(['deploy', '--single-transaction']);
        assert.equal(applied.exitCode, 0, applied.stderr);
        assert.match(applied.stdout, /Applied 3 migration\(s\)/);
        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha', 'beta', 'gamma']);
        assert.deepEqual((await history(db)).filter((row) => row.state === 'applied').map((row) => row.name), [FIRST, SECOND, THIRD]);
      });
    });

    test('--single-transaction refuses, before any SQL, a migration that must run outside a transaction', async () => {
      await withProject(provider, async (project, db) => {
        // VACUUM fails inside a transaction on both databases: the plain deploy below proves the run's transaction was ended before it.
        writeThree(project, '-- orchestrator: no-transaction\nCREATE TABLE "beta" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL);\nVACUUM;\n');
        const refused = await project.cli(['deploy', '--single-transaction']);
        assert.equal(refused.exitCode, 1, refused.stdout);
        assert.match(refused.stderr, /MIGRATION_INVALID.*Refusing deploy --single-transaction/);
        assert.match(refused.stderr, new RegExp(`plugin "one", migration ${SECOND} \\(.*\\): line 2 must run outside a transaction`));
        assert.match(refused.stderr, /Nothing was run\./);
        assert.match(refused.stderr, /Fix: Deploy without --single-transaction/);
        assert.deepEqual(await db.tables(), [], 'not even a history table');

        // Without the option, the same migrations deploy.
        const deployed = await project.cli(['deploy']);
        assert.equal(deployed.exitCode, 0, deployed.stderr);
        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha', 'beta', 'gamma']);
        assert.deepEqual((await history(db)).map(({ name, state }) => ({ name, state })), [FIRST, SECOND, THIRD].map((name) => ({ name, state: 'applied' })));
      });
    });
  });
}

/** The lines of a dry run that open, save, release and commit transactions, in order. */
async function framing(project: TempProject): Promise<string[]> {
  const preview = await project.cli(['deploy', '--dry-run']);
  assert.equal(preview.exitCode, 0, preview.stderr);
  return preview.stdout.split('\n').filter((line) => /^(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b/.test(line)).map((line) => line.split(' ')[0]!.replace(';', ''));
}

describe('deploy batching on postgresql: migrations that only create new objects share a transaction', () => {
  test('a failure among them keeps the ones before it and names its statement', async () => {
    await withProject('postgresql', async (project, db) => {
      // beta's second column repeats the first: the server refuses it, the parser does not.
      writeThree(project, 'CREATE TABLE "beta" ("id" INTEGER PRIMARY KEY,\n  "id" INTEGER);\n');
      writeMigration(project, FIRST, 'CREATE TABLE "alpha" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL);\n');
      // One transaction for the three, each a savepoint.
      assert.deepEqual(await framing(project), ['BEGIN', 'SAVEPOINT', 'RELEASE', 'SAVEPOINT', 'RELEASE', 'SAVEPOINT', 'RELEASE', 'COMMIT']);

      const failed = await project.cli(['deploy']);
      assert.equal(failed.exitCode, 1, failed.stdout);
      assert.match(failed.stderr, new RegExp(`MIGRATION_FAILED.*Plugin "one", migration ${SECOND}`));
      assert.match(failed.stderr, /failed at statement 1 of 1 \(line 1\):\n\s+CREATE TABLE "beta"/);
      assert.match(failed.stderr, /column "id" specified more than once/);
      assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha']);
      assert.deepEqual((await history(db)).map(({ name, state }) => ({ name, state })), [
        { name: FIRST, state: 'applied' },
        { name: SECOND, state: 'failed' },
      ]);

      writeMigration(project, SECOND, 'CREATE TABLE "beta" ("id" INTEGER PRIMARY KEY);\n');
      const resumed = await project.cli(['deploy']);
      assert.equal(resumed.exitCode, 0, resumed.stderr);
      assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha', 'beta', 'gamma']);
    });
  });

  test('a migration that changes an existing table commits on its own, so its lock ends with it', async () => {
    await withProject('postgresql', async (project, db) => {
      writeMigration(project, FIRST, 'CREATE TABLE "alpha" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL);\n');
      assert.equal((await project.cli(['deploy'])).exitCode, 0);
      writeMigration(project, SECOND, 'CREATE TABLE "beta" ("id" INTEGER PRIMARY KEY);\n');
      writeMigration(project, THIRD, 'ALTER TABLE "alpha" ADD COLUMN "note" TEXT;\n');
      writeMigration(project, '20300104000000_delta', 'CREATE TABLE "gamma" ("id" INTEGER PRIMARY KEY, "alphaId" INTEGER REFERENCES "alpha"("id"));\n');
      writeMigration(project, '20300105000000_epsilon', 'CREATE TABLE "delta" ("id" INTEGER PRIMARY KEY, "gammaId" INTEGER REFERENCES "gamma"("id"));\n');
      assert.deepEqual(await framing(project), [
        ...['BEGIN', 'SAVEPOINT', 'RELEASE', 'COMMIT'], // beta: new
        ...['BEGIN', 'COMMIT'], // ALTER TABLE alpha: existed before
        ...['BEGIN', 'COMMIT'], // gamma references alpha, which existed: its lock on alpha must not outlast it
        ...['BEGIN', 'SAVEPOINT', 'RELEASE', 'COMMIT'], // delta references gamma, created by this deploy
      ]);
      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.match(deployed.stdout, /Applied 4 migration\(s\)/);
      assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'alpha', 'beta', 'delta', 'gamma']);
    });
  });

  test(`at most ${POSTGRES_UNITS_PER_GROUP} migrations share one transaction`, async () => {
    await withProject('postgresql', async (project, db) => {
      const count = POSTGRES_UNITS_PER_GROUP + 3;
      for (let i = 1; i <= count; i++) writeMigration(project, `2030010100${String(i).padStart(4, '0')}_t${i}`, `CREATE TABLE "t${i}" ("id" INTEGER PRIMARY KEY);\n`);
      const lines = await framing(project);
      assert.equal(lines.filter((line) => line === 'SAVEPOINT').length, count);
      assert.deepEqual(lines.filter((line) => line === 'BEGIN' || line === 'COMMIT'), ['BEGIN', 'COMMIT', 'BEGIN', 'COMMIT']);
      assert.equal(lines.indexOf('COMMIT'), 1 + 2 * POSTGRES_UNITS_PER_GROUP, 'the first transaction holds exactly the bound');
      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.equal((await db.tables()).length, count + 1);
    });
  });
});
