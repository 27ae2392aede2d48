import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { cliCommand, createTempProject, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';


/** A plugin whose only table is written by hand-made migrations (its models just claim the names). */
const THINGS = {
  models: `model Thing {\n  id Int @id\n  v  Int\n\n  @@map("things")\n}\n\nmodel Cfg {\n  n Int @id\n\n  @@map("cfg")\n}\n`,
};

function addMigration(project: TempProject, plugin: string, name: string, sql: string): void {
  const dir = path.join(project.pluginDir(plugin), 'migrations', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
}

async function historyRow(db: TestDatabase, plugin: string, name: string) {
  const rows = await db.query<{ applied_steps_count: number | string; finished_at: unknown; rolled_back_at: unknown; logs: string | null }>(
    `SELECT applied_steps_count, finished_at, rolled_back_at, logs FROM "_prisma_migrations_${plugin}" WHERE migration_name = '${name}' ORDER BY started_at`,
  );
  return rows.map((row) => ({ steps: Number(row.applied_steps_count), finished: row.finished_at !== null, rolledBack: row.rolled_back_at !== null, logs: row.logs }));
}

async function withProject(provider: (typeof PROVIDERS_UNDER_TEST)[number], plugins: Record<string, { models: string }>, work: (project: TempProject, db: TestDatabase) => Promise<void>) {
  const db = await createTestDatabase(provider);
  const project = createTempProject(provider, plugins, db.url);
  try {
    await work(project, db);
  } finally {
    project.remove();
    await db.drop();
  }
}

/** Kills deploy processes' orphaned server sessions, as a server would after a crash (PostgreSQL only). */
async function endOtherSessions(db: TestDatabase): Promise<void> {
  if (db.provider === 'postgresql') await db.exec('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`transaction model on ${provider}`, () => {
    test('a later step that fails keeps the earlier steps, and the next deploy resumes at the failed step', async () => {
      await withProject(provider, { one: THINGS }, async (project, db) => {
        const name = '20300101000000_two_steps';
        // Two engine-style BEGIN … COMMIT blocks: two steps. Step 2 trips on data that step 1 wrote.
        addMigration(project, 'one', name, [
          'BEGIN;',
          'CREATE TABLE "cfg" ("n" INTEGER NOT NULL);',
          'INSERT INTO "cfg" ("n") VALUES (0);',
          'CREATE TABLE "things" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL CHECK ("v" > 0));',
          'COMMIT;',
          'BEGIN;',
          'INSERT INTO "things" ("id", "v") SELECT 1, "n" FROM "cfg";',
          'COMMIT;',
          '',
        ].join('\n'));
        const failed = await project.cli(['deploy']);
        assert.equal(failed.exitCode, 1, failed.stdout);
        assert.match(failed.stderr, /MIGRATION_FAILED.*Plugin "one", migration 20300101000000_two_steps/);
        assert.match(failed.stderr, /step 2 of 2, statement \d+ of \d+ \(line 7\)/);
        assert.match(failed.stderr, /Steps 1 to 1 of 2 were committed earlier; step 2 was rolled back/);
        assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
        assert.deepEqual((await db.tables()).sort(), ['_prisma_migrations_one', 'cfg', 'things']);
        const [row] = await historyRow(db, 'one', name);
        assert.equal(row!.steps, 1);
        assert.equal(row!.finished, false);
        assert.equal(row!.rolledBack, false);
        assert.match(row!.logs!, /step 2 of 2/);

        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 2);
        assert.match(status.stdout, /interrupted 20300101000000_two_steps: 1 step\(s\) applied/);

        // An answer meant for an interrupted step outside a transaction must never skip a step that can simply run.
        const notSkipped = await project.cli(['deploy', '--mark-step-applied', `one/${name}`]);
        assert.equal(notSkipped.exitCode, 1);
        assert.match(notSkipped.stderr, /step 2 of 2/);
        assert.deepEqual(await db.query('SELECT "id" FROM "things"'), []);

        await db.exec('UPDATE "cfg" SET "n" = 5');
        const resumed = await project.cli(['deploy']);
        assert.equal(resumed.exitCode, 0, resumed.stderr);
        // Step 1 (CREATE TABLE) did not run again: it would have failed with "already exists".
        assert.deepEqual(await db.query('SELECT "id", "v" FROM "things"'), [{ id: 1, v: 5 }]);
        assert.deepEqual(await historyRow(db, 'one', name), [{ steps: 2, finished: true, rolledBack: false, logs: null }]);
        assert.equal((await project.cli(['status'])).exitCode, 0);
      });
    });

    test('a deploy killed (SIGKILL) inside step 2 resumes at step 2, without running step 1 again', async () => {
      await withProject(provider, { one: THINGS }, async (project, db) => {
        const name = '20300101000000_killed';
        addMigration(project, 'one', name, [
          'BEGIN;',
          'CREATE TABLE "cfg" ("n" BIGINT NOT NULL);',
          'INSERT INTO "cfg" ("n") VALUES (1000000000000);',
          'COMMIT;',
          'BEGIN;',
          // Counts up to cfg.n: seconds-to-hours of work, long enough to be killed in the middle.
          'CREATE TABLE "things" AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT "n" FROM "cfg")) SELECT count(*) AS "v" FROM c;',
          'COMMIT;',
          '',
        ].join('\n'));
        const deploy = execa(cliCommand().file, [...cliCommand().args, '--project', project.root, 'deploy'], { reject: false, env: { CI: 'true', DATABASE_URL: db.url } });
        const deadline = Date.now() + 30_000;
        while ((await historyRow(db, 'one', name).catch(() => []))[0]?.steps !== 1) {
          assert.ok(Date.now() < deadline, 'step 1 never committed');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        deploy.kill('SIGKILL');
        const killed = await deploy;
        assert.equal(killed.signal, 'SIGKILL', `the deploy finished before it was killed: ${String(killed.stderr)}`);
        await endOtherSessions(db);
        assert.deepEqual(await historyRow(db, 'one', name), [{ steps: 1, finished: false, rolledBack: false, logs: null }]);
        assert.ok(!(await db.tables()).includes('things'), 'step 2 was rolled back by the crash');

        await db.exec('UPDATE "cfg" SET "n" = 10');
        const resumed = await project.cli(['deploy']);
        assert.equal(resumed.exitCode, 0, resumed.stderr);
        assert.deepEqual((await db.query<{ v: number | string }>('SELECT "v" FROM "things"')).map((r) => Number(r.v)), [10]);
        assert.deepEqual(await historyRow(db, 'one', name), [{ steps: 2, finished: true, rolledBack: false, logs: null }]);
      });
    });

    test('`-- orchestrator: no-transaction` runs each statement alone; a failed one stops the next deploy until it is resolved', async () => {
      await withProject(provider, { one: THINGS }, async (project, db) => {
        const name = '20300101000000_no_tx';
        addMigration(project, 'one', name, [
          '-- orchestrator: no-transaction',
          'CREATE TABLE "things" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL CHECK ("v" > 0));',
          'INSERT INTO "things" ("id", "v") VALUES (1, 0);',
          '',
        ].join('\n'));
        const failed = await project.cli(['deploy']);
        assert.equal(failed.exitCode, 1);
        assert.match(failed.stderr, /step 2 of 2, statement 2 of 2 \(line 3\)/);
        assert.match(failed.stderr, /ran outside a transaction/);
        assert.ok((await db.tables()).includes('things'), 'step 1 ran in autocommit and stays');

        const refused = await project.cli(['deploy']);
        assert.equal(refused.exitCode, 1);
        assert.match(refused.stderr, /MIGRATION_INTERRUPTED.*plugin "one", migration 20300101000000_no_tx .* interrupted at step 2 of 2/);
        assert.match(refused.stderr, /line 3: INSERT INTO "things"/);
        assert.match(refused.stderr, /--mark-step-applied one\/20300101000000_no_tx/);
        assert.match(refused.stderr, /--rerun-step one\/20300101000000_no_tx/);
        assert.deepEqual(await historyRow(db, 'one', name).then((rows) => rows.map((r) => r.steps)), [1]);
        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 2);
        assert.match(status.stdout, /interrupted 20300101000000_no_tx/);

        // Finished by hand: deploy counts the step and records the migration, running nothing.
        await db.exec('INSERT INTO "things" ("id", "v") VALUES (1, 7)');
        const resolved = await project.cli(['deploy', '--mark-step-applied', `one/${name}`]);
        assert.equal(resolved.exitCode, 0, resolved.stderr);
        assert.deepEqual(await db.query('SELECT "id", "v" FROM "things"'), [{ id: 1, v: 7 }]);
        const [row] = await historyRow(db, 'one', name);
        assert.equal(row!.steps, 2);
        assert.equal(row!.finished, true);
        assert.equal((await project.cli(['status'])).exitCode, 0);
      });
    });
  });
}

describe('migrations Prisma writes for PostgreSQL enums, and indexes built without locking writes', () => {
  const memberModels = (values: string[], defaultValue: string) => ({
    models: `model Member {\n  id   Int    @id @default(autoincrement())\n  name String\n  role Role   @default(${defaultValue})\n\n  @@index([name])\n  @@map("members")\n}\n\nenum Role {\n${values.map((v) => `  ${v}\n`).join('')}}\n`,
  });

  test('an enum gaining a value used as the default in the same migration, then losing a value (the engine\'s own BEGIN … COMMIT), both deploy', async () => {
    await withProject('postgresql', { club: memberModels(['USER', 'ADMIN'], 'USER') }, async (project, db) => {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      assert.equal((await project.cli(['deploy'])).exitCode, 0);
      await db.exec(`INSERT INTO members (name, role) VALUES ('ada', 'ADMIN'), ('bob', 'USER')`);

      project.writePlugin('club', memberModels(['USER', 'ADMIN', 'GUEST'], 'GUEST'));
      assert.equal((await project.cli(['generate', '--name', 'guest'])).exitCode, 0);
      const added = project.migrations('club').at(-1)!;
      const addSql = project.readMigration('club', added);
      assert.match(addSql, /ALTER TYPE "Role" ADD VALUE 'GUEST'/);
      assert.match(addSql, /SET DEFAULT 'GUEST'/);
      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      await db.exec(`INSERT INTO members (name) VALUES ('cy')`);
      assert.deepEqual(await db.query(`SELECT role FROM members WHERE name = 'cy'`), [{ role: 'GUEST' }]);
      assert.deepEqual(await historyRow(db, 'club', added), [{ steps: 2, finished: true, rolledBack: false, logs: null }]);

      await db.exec(`UPDATE members SET role = 'USER' WHERE role = 'ADMIN'`);
      project.writePlugin('club', memberModels(['USER', 'GUEST'], 'GUEST'));
      assert.equal((await project.cli(['generate', '--name', 'no admin', '--accept-data-loss'])).exitCode, 0);
      const removed = project.migrations('club').at(-1)!;
      assert.match(project.readMigration('club', removed), /^BEGIN;$/m, 'the engine writes its own transaction for this');
      const removal = await project.cli(['deploy']);
      assert.equal(removal.exitCode, 0, removal.stderr);
      assert.deepEqual(await db.query(`SELECT unnest(enum_range(NULL::"Role"))::text AS v`), [{ v: 'USER' }, { v: 'GUEST' }]);
      assert.equal((await project.cli(['status'])).exitCode, 0);
    });
  });

  test('CREATE INDEX CONCURRENTLY deploys; killed while it waits, the next deploy refuses until --rerun-step', async () => {
    await withProject('postgresql', { club: memberModels(['USER'], 'USER') }, async (project, db) => {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      assert.equal((await project.cli(['deploy'])).exitCode, 0);
      addMigration(project, 'club', '20990101000000_index_concurrently', 'CREATE INDEX CONCURRENTLY "members_role_idx" ON "members" ("role");\n');
      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      assert.deepEqual(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = '"members_role_idx"'::regclass`), [{ indisvalid: true }]);

      const name = '20990102000000_slow_index';
      addMigration(project, 'club', name, 'CREATE TABLE "club_notes" ("id" INTEGER PRIMARY KEY);\nCREATE INDEX CONCURRENTLY "members_name_role_idx" ON "members" ("name", "role");\n');
      // Another session holds the table, so the index build waits; the deploy is killed meanwhile.
      const pg = (await import('pg')).default;
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE "members" IN ACCESS EXCLUSIVE MODE');
        const deploy = execa(cliCommand().file, [...cliCommand().args, '--project', project.root, 'deploy'], { reject: false, env: { CI: 'true', DATABASE_URL: db.url } });
        const deadline = Date.now() + 30_000;
        while ((await db.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock' AND datname = current_database()`)).length === 0) {
          assert.ok(Date.now() < deadline, 'the index build never started');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        deploy.kill('SIGKILL');
        assert.equal((await deploy).signal, 'SIGKILL');
        await db.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND datname = current_database()`);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      await endOtherSessions(db);
      assert.deepEqual(await historyRow(db, 'club', name).then((rows) => rows.map((r) => [r.steps, r.finished])), [[1, false]]);

      const refused = await project.cli(['deploy']);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /MIGRATION_INTERRUPTED.*plugin "club", migration 20990102000000_slow_index .*interrupted at step 2 of 2/);
      assert.match(refused.stderr, /line 2: CREATE INDEX CONCURRENTLY "members_name_role_idx"/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');

      // The killed build may leave an INVALID index: the user drops it, then asks for a rerun.
      await db.exec('DROP INDEX IF EXISTS "members_name_role_idx"');
      const rerun = await project.cli(['deploy', '--rerun-step', `club/${name}`]);
      assert.equal(rerun.exitCode, 0, rerun.stderr);
      assert.deepEqual(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = '"members_name_role_idx"'::regclass`), [{ indisvalid: true }]);
      assert.deepEqual(await historyRow(db, 'club', name).then((rows) => rows.map((r) => [r.steps, r.finished])), [[2, true]]);
    });
  });
});
