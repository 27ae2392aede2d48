import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { dumpDatabase } from './support/database-dump.ts';
import { assertRefused } from './support/assert-refused.ts';
import { createTempProject, type TempProject } from './support/temp-project.ts';
import pg from 'pg';
import { POSTGRES_ADMIN_URL, PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** A plugin with hand-written migrations only: fast, and each test controls every byte. */
const NOTES = { models: `model Note {\n  id   Int    @id\n  body String\n\n  @@map("notes")\n}\n` };
const FIRST = '20300101000000_notes';
const SECOND = '20300102000000_seed';

function migrationDir(project: TempProject, name: string): string {
  return path.join(project.pluginDir('one'), 'migrations', name);
}

function addMigration(project: TempProject, name: string, sql: string | Buffer): void {
  mkdirSync(migrationDir(project, name), { recursive: true });
  writeFileSync(path.join(migrationDir(project, name), 'migration.sql'), sql);
}

/** A project with two applied migrations (a table, then a row), on a fresh database. */
async function withApplied(provider: (typeof PROVIDERS_UNDER_TEST)[number], work: (project: TempProject, db: TestDatabase) => Promise<void>) {
  const db = await createTestDatabase(provider);
  const project = createTempProject(provider, { one: NOTES }, db.url);
  try {
    addMigration(project, FIRST, 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL);\n');
    addMigration(project, SECOND, `INSERT INTO "notes" ("id", "body") VALUES (1, 'seed');\n`);
    const deployed = await project.cli(['deploy']);
    assert.equal(deployed.exitCode, 0, deployed.stderr);
    await work(project, db);
  } finally {
    project.remove();
    await db.drop();
  }
}

async function noteCount(db: TestDatabase): Promise<number> {
  return Number((await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM "notes"'))[0]!.n);
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`history tampering is refused before any SQL on ${provider}`, () => {
    test('an applied migration deleted from disk: MIGRATION_MISSING; --accept-missing stops counting it', async () => {
      await withApplied(provider, async (project, db) => {
        rmSync(migrationDir(project, SECOND), { recursive: true });
        addMigration(project, '20300103000000_more', `INSERT INTO "notes" ("id", "body") VALUES (2, 'more');\n`);
        const refused = await assertRefused(project, db, 'MIGRATION_MISSING', ['deploy']);
        assert.match(refused.stderr, new RegExp(`plugin "one", migration ${SECOND}`));
        assert.match(refused.stderr, new RegExp(`--accept-missing one/${SECOND}`));
        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 2);
        assert.match(status.stdout, new RegExp(`missing\\s+${SECOND}`));

        const accepted = await project.cli(['deploy', '--accept-missing', `one/${SECOND}`]);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.equal(await noteCount(db), 2);
        assert.equal((await project.cli(['status'])).exitCode, 0);
        assert.equal((await project.cli(['deploy'])).exitCode, 0, 'the decision is recorded: no flag needed next time');
      });
    });

    test('an applied migration renamed: MIGRATION_RENAMED; --accept-renamed records the new name without running it again', async () => {
      await withApplied(provider, async (project, db) => {
        const renamed = '20300102000000_seed_rows';
        renameSync(migrationDir(project, SECOND), migrationDir(project, renamed));
        const refused = await assertRefused(project, db, 'MIGRATION_RENAMED', ['deploy']);
        assert.match(refused.stderr, new RegExp(`migration ${renamed}, applied as ${SECOND}`));
        assert.equal((await project.cli(['status'])).exitCode, 2);

        const accepted = await project.cli(['deploy', '--accept-renamed', `one/${renamed}`]);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.equal(await noteCount(db), 1, 'the renamed migration must not run again');
        assert.equal((await project.cli(['status'])).exitCode, 0);
      });
    });

    test('a new migration that sorts before applied ones: MIGRATION_OUT_OF_ORDER; --accept-out-of-order applies it', async () => {
      await withApplied(provider, async (project, db) => {
        const early = '20300101120000_early';
        addMigration(project, early, `INSERT INTO "notes" ("id", "body") VALUES (3, 'early');\n`);
        const refused = await assertRefused(project, db, 'MIGRATION_OUT_OF_ORDER', ['deploy']);
        assert.match(refused.stderr, new RegExp(`migration ${early}, which sorts before the newest applied ${SECOND}`));
        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 2);
        assert.match(status.stdout, new RegExp(`out of order ${early}`));

        const accepted = await project.cli(['deploy', '--accept-out-of-order', `one/${early}`]);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.equal(await noteCount(db), 2);
        assert.equal((await project.cli(['status'])).exitCode, 0);
      });
    });

    test("a history table whose plugin is gone from the code: PLUGIN_REMOVED, also from status; --accept-removed-plugin deploys the rest", async () => {
      await withApplied(provider, async (project, db) => {
        await db.exec(`CREATE TABLE "_prisma_migrations_gone" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMP, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMP, "started_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
        addMigration(project, '20300103000000_more', `INSERT INTO "notes" ("id", "body") VALUES (2, 'more');\n`);
        const refused = await assertRefused(project, db, 'PLUGIN_REMOVED', ['deploy']);
        assert.match(refused.stderr, /plugin "gone": history table "_prisma_migrations_gone", but no plugins\/gone folder/);
        const status = await project.cli(['status', '--json']);
        assert.equal(status.exitCode, 2);
        assert.deepEqual((JSON.parse(status.stdout) as { removedPlugins: string[] }).removedPlugins, ['gone']);
        assert.equal((await project.cli(['deploy', 'one'])).exitCode, 1, 'deploying some plugins checks the whole database too');

        const accepted = await project.cli(['deploy', '--accept-removed-plugin', 'gone']);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.equal(await noteCount(db), 2);
      });
    });

    test('an edited applied migration: MIGRATION_MODIFIED; --accept-modified records the new checksum; line endings alone are no edit', async () => {
      await withApplied(provider, async (project, db) => {
        const file = path.join(migrationDir(project, FIRST), 'migration.sql');
        const original = readFileSync(file, 'utf8');
        writeFileSync(file, `${original.replace(/\n/g, '\r\n')}`);
        const crlf = await project.cli(['deploy']);
        assert.equal(crlf.exitCode, 0, `a CRLF checkout is not an edit: ${crlf.stderr}`);
        assert.equal((await project.cli(['status'])).exitCode, 0);

        writeFileSync(file, `-- reviewed\n${original}`);
        const refused = await assertRefused(project, db, 'MIGRATION_MODIFIED', ['deploy']);
        assert.match(refused.stderr, new RegExp(`--accept-modified one/${FIRST}`));
        const accepted = await project.cli(['deploy', '--accept-modified', `one/${FIRST}`]);
        assert.equal(accepted.exitCode, 0, accepted.stderr);
        assert.equal(await noteCount(db), 1, 'nothing ran again');
        assert.equal((await project.cli(['status'])).exitCode, 0);
        assert.equal((await project.cli(['deploy'])).exitCode, 0);
      });
    });

    test('a migration.sql that is not UTF-8, or is a folder, is MIGRATION_INVALID with no stack trace and no change', async () => {
      await withApplied(provider, async (project, db) => {
        addMigration(project, '20300103000000_latin1', Buffer.from(`INSERT INTO "notes" ("id", "body") VALUES (2, 'caf\xe9');\n`, 'latin1'));
        const refused = await assertRefused(project, db, 'MIGRATION_INVALID', ['deploy']);
        assert.match(refused.stderr, /20300103000000_latin1.*is not valid UTF-8 \(byte 0xe9 at offset \d+, line 1\)/);
        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 1);
        assert.doesNotMatch(status.stderr, /\n\s+at .*\(/);
        rmSync(migrationDir(project, '20300103000000_latin1'), { recursive: true });

        mkdirSync(path.join(migrationDir(project, '20300104000000_folder'), 'migration.sql'), { recursive: true });
        const folder = await assertRefused(project, db, 'MIGRATION_INVALID', ['deploy']);
        assert.match(folder.stderr, /20300104000000_folder.*migration\.sql is not a file/);
      });
    });

    test('a history table missing a column is HISTORY_TABLE_INVALID with the fix, for deploy and status', async () => {
      await withApplied(provider, async (project, db) => {
        await db.exec('DROP TABLE "_prisma_migrations_one"');
        await db.exec(`CREATE TABLE "_prisma_migrations_one" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMP, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMP, "started_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
        const refused = await assertRefused(project, db, 'HISTORY_TABLE_INVALID', ['deploy']);
        assert.match(refused.stderr, /"_prisma_migrations_one" lacks the column\(s\) "applied_steps_count"/);
        assert.match(refused.stderr, /ALTER TABLE "_prisma_migrations_one" ADD COLUMN "applied_steps_count" INTEGER NOT NULL DEFAULT 0;/);
        const status = await project.cli(['status']);
        assert.equal(status.exitCode, 1);
        assert.match(status.stderr, /HISTORY_TABLE_INVALID/);
      });
    });
  });

  describe(`a deploy refused before running leaves a fresh ${provider} database byte-identical`, () => {
    const cases: { name: string; code: string; sql: string; only?: 'postgresql' }[] = [
      { name: 'a migration writing to another plugin\'s table', code: 'OWNERSHIP_VIOLATION', sql: 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY);\n' },
      { name: 'a SQL syntax error', code: 'MIGRATION_INVALID', sql: 'CREATE TABLE "mine" ("id" INTEGER PRIMARY KEY);\nCREAT TABLE oops;\n', only: 'postgresql' },
      { name: 'random bytes', code: 'MIGRATION_INVALID', sql: '\xff\xfe\x00garbage\xc3' },
    ];
    for (const refusal of cases) {
      if (refusal.only && refusal.only !== provider) continue;
      test(`${refusal.name}: ${refusal.code}, no history table, no failed-attempt row`, async () => {
        const db = await createTestDatabase(provider);
        const project = createTempProject(provider, { one: NOTES, two: { models: `model Mine {\n  id Int @id\n\n  @@map("mine")\n}\n` } }, db.url);
        try {
          if (provider === 'sqlite') await db.exec('CREATE TABLE "app" ("id" INTEGER)'); // so the file exists before
          const dir = path.join(project.pluginDir('two'), 'migrations', '20300101000000_bad');
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, 'migration.sql'), Buffer.from(refusal.sql, 'latin1'));
          await assertRefused(project, db, refusal.code, ['deploy']);
          assert.deepEqual((await db.tables()).filter((t) => t.startsWith('_prisma')), []);
        } finally {
          project.remove();
          await db.drop();
        }
      });
    }
  });
}

describe('a role that may not read a history table is told so (PostgreSQL)', () => {
  test('DATABASE_PERMISSION_DENIED names the table and the privilege, for status and deploy', async () => {
    const db = await createTestDatabase('postgresql');
    const project = createTempProject('postgresql', { one: NOTES }, db.url);
    const role = `orch_reader_${Date.now().toString(36)}`;
    try {
      addMigration(project, FIRST, 'CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL);\n');
      assert.equal((await project.cli(['deploy'])).exitCode, 0);
      await db.exec(`CREATE ROLE ${role} LOGIN; GRANT SELECT ON "notes" TO ${role}`);
      const url = new URL(db.url);
      url.username = role;
      const before = await dumpDatabase(db);
      for (const command of ['status', 'deploy']) {
        const result = await project.cli([command], { DATABASE_URL: url.toString() });
        assert.equal(result.exitCode, 1, result.stdout);
        assert.match(result.stderr, /DATABASE_PERMISSION_DENIED.*lacks the SELECT privilege on the history table "_prisma_migrations_one"/);
        assert.match(result.stderr, new RegExp(`GRANT SELECT.* ON "_prisma_migrations_one" TO <role>`));
      }
      await db.exec(`GRANT SELECT ON "_prisma_migrations_one" TO ${role}`);
      const readOnly = await project.cli(['deploy'], { DATABASE_URL: url.toString() });
      assert.match(readOnly.stderr, /lacks the INSERT and UPDATE privilege on the history table "_prisma_migrations_one"/);
      assert.equal((await project.cli(['status'], { DATABASE_URL: url.toString() })).exitCode, 0, 'reading is enough for status');
      assert.equal(await dumpDatabase(db), before);
    } finally {
      project.remove();
      await db.drop();
      // Roles belong to the server, not the dropped database.
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
      await admin.end();
    }
  });
});
