import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import pg from 'pg';
import { deployLockKeys } from '../orchestrator/database/postgres-database.ts';
import { REPO_ROOT, cliCommand, createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';


/** A deploy killed mid-statement must free its lock this fast (the server checks the client every second). */
const RELEASE_AFTER_KILL_MS = 8_000;

describe('PostgreSQL: ?schema=, and the deploy lock per schema', () => {
  let db: TestDatabase;
  let project: TempProject;
  const urlOf = (schema: string, extra = '') => `${db.url}?schema=${schema}${extra}`;
  const tablesIn = async (schema: string) =>
    (await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`)).map((row) => row.name);

  before(async () => {
    db = await createTestDatabase('postgresql');
    project = createTempProject('postgresql', examplePlugins(), db.url);
    assert.equal((await project.cli(['generate'])).exitCode, 0);
  });
  after(async () => {
    project.remove();
    await db.drop();
  });

  test('tables and history land in the ?schema= schema; status reads that schema and creates nothing', async () => {
    const statusBefore = await project.cli(['status'], { DATABASE_URL: urlOf('tenant_a') });
    assert.equal(statusBefore.exitCode, 2, statusBefore.stderr);
    assert.deepEqual(await db.query("SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_a'"), [], 'status does not create the schema');

    const deployed = await project.cli(['deploy'], { DATABASE_URL: urlOf('tenant_a') });
    assert.equal(deployed.exitCode, 0, deployed.stderr);
    assert.deepEqual(await tablesIn('tenant_a'), ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users']);
    assert.deepEqual(await tablesIn('public'), [], 'nothing lands in public');

    assert.equal((await project.cli(['status'], { DATABASE_URL: urlOf('tenant_a') })).exitCode, 0);
    const other = await project.cli(['status'], { DATABASE_URL: urlOf('tenant_b') });
    assert.equal(other.exitCode, 2, 'another schema has its own history: everything pending there');
    assert.match(other.stdout, /one: needs attention \(0 applied\)/);
    assert.equal((await project.cli(['status'], { DATABASE_URL: db.url })).exitCode, 2, 'no ?schema= reads public');
  });

  test('the lock is per schema: a held tenant_c lock stops tenant_c (exit 3, naming the holder) but not tenant_d', async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: 'lock-holder-test' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, $2)', deployLockKeys('tenant_c'));
      const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');

      const failFast = await project.cli(['deploy', '--lock-timeout', '0'], { DATABASE_URL: urlOf('tenant_c') });
      assert.equal(failFast.exitCode, 3, failFast.stderr);
      assert.match(failFast.stderr, /^Error \[LOCK_TIMEOUT\]/m);
      assert.match(failFast.stderr, new RegExp(`pid ${rows[0]!.pid} \\(application "lock-holder-test", client 127\\.0\\.0\\.1`));

      const started = Date.now();
      const waited = await project.cli(['deploy'], { DATABASE_URL: urlOf('tenant_c'), ORCHESTRATOR_LOCK_TIMEOUT: '2' });
      assert.equal(waited.exitCode, 3, waited.stderr);
      assert.ok(Date.now() - started >= 2_000, 'waited the ORCHESTRATOR_LOCK_TIMEOUT seconds');
      assert.match(waited.stderr, /^Waiting for the deploy lock of schema "tenant_c" \(0 s of 2 s\): held by pid \d+ \(application "lock-holder-test"/m);
      assert.deepEqual(await tablesIn('tenant_c'), [], 'nothing was applied without the lock');

      const otherTenant = await project.cli(['deploy', '--lock-timeout', '0'], { DATABASE_URL: urlOf('tenant_d') });
      assert.equal(otherTenant.exitCode, 0, otherTenant.stderr);
      assert.ok((await tablesIn('tenant_d')).includes('books'));
    } finally {
      await holder.end();
    }
    const afterRelease = await project.cli(['deploy', '--lock-timeout', '0'], { DATABASE_URL: urlOf('tenant_c') });
    assert.equal(afterRelease.exitCode, 0, afterRelease.stderr);
  });

  test('--lock-timeout takes seconds, and says so when given something else', async () => {
    const run = await project.cli(['deploy', '--lock-timeout', 'soon'], { DATABASE_URL: urlOf('tenant_e') });
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /--lock-timeout <seconds>.*expected a number of seconds/);
  });

  test('a deployer killed mid-statement frees the lock within seconds; the waiter reports it and holds no snapshot meanwhile', async () => {
    // Only the deployer named "slow-deployer" sleeps, so the one that takes over runs the same migration quickly.
    const slowDir = path.join(project.pluginDir('one'), 'migrations', '20991231000000_slow');
    mkdirSync(slowDir);
    writeFileSync(path.join(slowDir, 'migration.sql'), "SELECT pg_sleep(CASE WHEN current_setting('application_name') = 'slow-deployer' THEN 60 ELSE 0 END);\n");
    const deployer = (url: string) => execa(cliCommand().file, [...cliCommand().args, '--project', project.root, 'deploy'], { reject: false, cwd: REPO_ROOT, env: { CI: 'true', DATABASE_URL: url } });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const slow = deployer(urlOf('tenant_f', '&application_name=slow-deployer'));
      // The step travels as one query (BEGIN; …; COMMIT), so the sleep is somewhere inside it.
      await until(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'slow-deployer' AND query LIKE '%SELECT pg_sleep%' AND state = 'active' AND datname = current_database()")).rowCount === 1);

      const waiter = deployer(urlOf('tenant_f'));
      let stderr = '';
      waiter.stderr?.on('data', (chunk) => (stderr += String(chunk)));
      await until(async () => /held by pid \d+ \(application "slow-deployer"/.test(stderr));
      // Only this test's database: other deploys (the reliability suite runs beside the tests) share the server.
      const samples = [];
      for (let i = 0; i < 5; i++) {
        samples.push(...(await admin.query("SELECT wait_event_type, backend_xmin::text AS xmin FROM pg_stat_activity WHERE application_name = 'prisma-plugin-orchestrator deploy' AND datname = current_database()")).rows);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      assert.ok(samples.length > 0 && samples.every((row) => row.wait_event_type !== 'Lock' && row.xmin === null), JSON.stringify(samples));

      const killedAt = Date.now();
      slow.kill('SIGKILL');
      const done = await waiter;
      const ms = Date.now() - killedAt;
      assert.equal(done.exitCode, 0, String(done.stderr));
      assert.ok(ms < RELEASE_AFTER_KILL_MS, `the waiter finished ${ms} ms after the kill`);
      await slow;
      const applied = await db.query<{ migration_name: string }>('SELECT migration_name FROM tenant_f."_prisma_migrations_one" WHERE finished_at IS NOT NULL');
      assert.ok(applied.some((row) => row.migration_name === '20991231000000_slow'), 'the waiter applied the migration the killed deployer had started');
    } finally {
      await admin.end();
    }
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
