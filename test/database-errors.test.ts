import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { CLUSTER_PASSWORD, freePort, postgresBinDir, startPrivateCluster, type PrivateCluster } from './support/private-postgres.ts';
import { createTempProject, examplePlugins, type CliResult, type TempProject } from './support/temp-project.ts';
import { POSTGRES_ADMIN_URL, createTestDatabase } from './support/test-databases.ts';

/** Exit codes of the CLI: 1 permanent, 3 retrying may help. */
const PERMANENT = 1;
const RETRYABLE = 3;

/** Far below the 60 s a never-closed client used to keep the process alive, far above a CLI start. */
const PROMPT_EXIT_MS = 20_000;

function assertError(run: CliResult, exitCode: number, code: string, ...texts: (string | RegExp)[]): void {
  const output = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
  assert.equal(run.exitCode, exitCode, output);
  assert.match(run.stderr, new RegExp(`^Error \\[${code}\\]`, 'm'), output);
  for (const text of texts) assert.match(run.stderr, typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text, output);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `no stack trace:\n${output}`);
}

async function timed(run: Promise<CliResult>): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await run;
  return { ...result, ms: Date.now() - started };
}

describe('PostgreSQL errors: permanent ones exit 1, passing ones exit 3, each with its SQLSTATE', () => {
  let project: TempProject;
  before(() => {
    project = createTempProject('postgresql', examplePlugins());
  });
  after(() => project.remove());

  describe('on a server with password authentication', () => {
    const binDir = postgresBinDir();
    let cluster: PrivateCluster | undefined;
    before(async () => {
      if (binDir) cluster = await startPrivateCluster(binDir);
    });
    after(async () => cluster?.stop());
    const skip = binDir ? false : 'initdb not found (set PG_BIN to the folder holding initdb and pg_ctl)';

    test('a wrong password: DATABASE_AUTH_FAILED, exit 1, SQLSTATE 28P01', { skip }, async () => {
      const run = await project.cli(['status'], { DATABASE_URL: cluster!.url('wrong') });
      assertError(run, PERMANENT, 'DATABASE_AUTH_FAILED', '(SQLSTATE 28P01)', 'password');
      assert.doesNotMatch(run.stderr, /wrong/, 'the password is never printed');
    });

    test('no password while the server asks for one: DATABASE_AUTH_FAILED at once, not a 60 s hang', { skip }, async () => {
      const run = await timed(project.cli(['deploy'], { DATABASE_URL: cluster!.url(), PGPASSWORD: '' }));
      assertError(run, PERMANENT, 'DATABASE_AUTH_FAILED', 'asks for a password, and none was given');
      assert.ok(run.ms < PROMPT_EXIT_MS, `exited after ${run.ms} ms`);
    });

    test('the right password connects (the cases above fail for their stated reason)', { skip }, async () => {
      const run = await project.cli(['status'], { DATABASE_URL: cluster!.url(CLUSTER_PASSWORD) });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stdout, /^Database: postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1/m, 'connected, password hidden');
    });
  });

  test('a database that does not exist: DATABASE_NOT_FOUND, exit 1, with the createdb command', async () => {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = '/orchestrator_no_such_database';
    const run = await project.cli(['status'], { DATABASE_URL: url.toString() });
    assertError(run, PERMANENT, 'DATABASE_NOT_FOUND', '(SQLSTATE 3D000)', `createdb -h ${url.hostname} -p ${url.port || '5432'} -U ${url.username} orchestrator_no_such_database`);
  });

  test('a port nothing listens on: DATABASE_UNREACHABLE, exit 3', async () => {
    const run = await project.cli(['status'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/test` });
    assertError(run, RETRYABLE, 'DATABASE_UNREACHABLE', '(ECONNREFUSED)');
  });

  test('a server that never answers: DATABASE_UNREACHABLE after the connect timeout (URL, then environment)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const fromUrl = await timed(project.cli(['status'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/test?connect_timeout=1` }));
      assertError(fromUrl, RETRYABLE, 'DATABASE_UNREACHABLE', '(ETIMEDOUT)', 'no answer within 1 s');
      const fromEnv = await timed(project.cli(['status'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/test`, ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS: '2' }));
      assertError(fromEnv, RETRYABLE, 'DATABASE_UNREACHABLE', '(ETIMEDOUT)', 'no answer within 2 s');
      assert.ok(fromEnv.ms < PROMPT_EXIT_MS, `exited after ${fromEnv.ms} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('a connection killed in the middle of a migration: CONNECTION_LOST, exit 3, rolled back by the server, no failed row', async () => {
    const db = await createTestDatabase('postgresql');
    const killed = createTempProject('postgresql', examplePlugins(), db.url);
    try {
      assert.equal((await killed.cli(['generate'])).exitCode, 0);
      const slowDir = path.join(killed.pluginDir('one'), 'migrations', '20991231000000_slow');
      mkdirSync(slowDir);
      writeFileSync(path.join(slowDir, 'migration.sql'), 'CREATE TABLE "slow_marker" ("id" INTEGER);\nSELECT pg_sleep(30);\n');
      const deploy = timed(killed.cli(['deploy']));
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        let terminated = false;
        for (let tries = 0; tries < 200 && !terminated; tries++) {
          // The step travels as one query (BEGIN; …; COMMIT), so the sleep is somewhere inside it.
          const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE '%SELECT pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()");
          if (rows[0]) terminated = (await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid])).rowCount === 1;
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(terminated, 'the slow migration was seen running and terminated');
      } finally {
        await admin.end();
      }
      const run = await deploy;
      assertError(run, RETRYABLE, 'CONNECTION_LOST', 'migration 20991231000000_slow', '(SQLSTATE 57P01)', 'rolled back');
      assert.doesNotMatch(run.stderr, /Correct /);
      assert.ok(run.ms < PROMPT_EXIT_MS, `exited after ${run.ms} ms`);
      assert.ok(!(await db.tables()).includes('slow_marker'), 'the migration\'s table was rolled back');
      const rows = await db.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations_one"');
      assert.deepEqual(rows.map((row) => row.migration_name).filter((name) => name.endsWith('_slow')), [], 'no row for the interrupted migration');
    } finally {
      killed.remove();
      await db.drop();
    }
  });
});

test('the server out of shared memory (53200): DATABASE_OUT_OF_MEMORY, exit 1, the fix names max_locks_per_transaction; no attempt recorded', async () => {
  const db = await createTestDatabase('postgresql');
  const project = createTempProject('postgresql', examplePlugins(), db.url);
  try {
    assert.equal((await project.cli(['generate'])).exitCode, 0);
    // The server's own error, with its SQLSTATE and hint, as a lock table overflowing raises it
    // (filling the shared lock table for real would fail every other session of the server).
    const dir = path.join(project.pluginDir('one'), 'migrations', '20991231000000_locks');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'migration.sql'), `-- orchestrator: trusted\nCREATE TABLE "locks_marker" ("id" INTEGER);
DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '53200', MESSAGE = 'out of shared memory', HINT = 'You might need to increase max_locks_per_transaction.'; END $$;
`);
    const run = await project.cli(['deploy', '--single-transaction']);
    assertError(run, PERMANENT, 'DATABASE_OUT_OF_MEMORY', 'migration 20991231000000_locks', '(SQLSTATE 53200)', 'max_locks_per_transaction', 'whole run was rolled back');
    assert.ok(!(await db.tables()).includes('locks_marker'), "the migration's table was rolled back");
  } finally {
    project.remove();
    await db.drop();
  }
});

test('a role that cannot read a history table: DATABASE_PERMISSION_DENIED, exit 1, not "0 applied"', async () => {
  const db = await createTestDatabase('postgresql');
  const project = createTempProject('postgresql', examplePlugins(), db.url);
  const role = `orch_reader_${Date.now()}`;
  try {
    assert.equal((await project.cli(['generate'])).exitCode, 0);
    assert.equal((await project.cli(['deploy'])).exitCode, 0);
    await db.exec(`CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA public TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    const run = await project.cli(['status'], { DATABASE_URL: url.toString() });
    // Found from the catalog's privileges before any read, so the message names the table and the privilege.
    assertError(run, PERMANENT, 'DATABASE_PERMISSION_DENIED', 'SELECT privilege', '_prisma_migrations_one');
  } finally {
    project.remove();
    await db.drop();
    await new pg.Client({ connectionString: POSTGRES_ADMIN_URL }).connect().then(async (client) => {
      await client.query(`DROP ROLE IF EXISTS ${role}`);
      await client.end();
    });
  }
});

describe('SQLite errors', () => {
  test('a file that is not a SQLite database: DATABASE_FILE_INVALID, exit 1, SQLITE_NOTADB, for status and deploy', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      const file = path.join(project.root, 'not-a-database.db');
      writeFileSync(file, 'this is a text file, long enough to have a header SQLite checks.\n'.repeat(20));
      for (const command of ['status', 'deploy']) {
        const run = await project.cli([command], { DATABASE_URL: `file:${file}` });
        assertError(run, PERMANENT, 'DATABASE_FILE_INVALID', '(SQLITE_NOTADB)', file);
      }
    } finally {
      project.remove();
    }
  });

  test('a path under /proc fails at once with DATABASE_FILE_INVALID', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      for (const command of ['status', 'deploy']) {
        const run = await timed(project.cli([command], { DATABASE_URL: 'file:/proc/self/x.db' }));
        assertError(run, PERMANENT, 'DATABASE_FILE_INVALID', 'kernel filesystem /proc');
        assert.ok(run.ms < PROMPT_EXIT_MS, `exited after ${run.ms} ms`);
      }
    } finally {
      project.remove();
    }
  });

  test('another writer past the busy timeout: LOCK_TIMEOUT, exit 3, naming ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS; no attempt recorded', async () => {
    const db = await createTestDatabase('sqlite');
    const project = createTempProject('sqlite', examplePlugins(), db.url);
    const holder = new BetterSqlite3(db.url.slice('file:'.length));
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      holder.exec('BEGIN IMMEDIATE');
      const run = await project.cli(['deploy'], { ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS: '300' });
      assertError(run, RETRYABLE, 'LOCK_TIMEOUT', 'ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS, in milliseconds', '(SQLITE_BUSY)');
      holder.exec('ROLLBACK');
      assert.deepEqual(await db.tables(), [], 'nothing was written, not even a failed-attempt row');
      const retried = await project.cli(['deploy']);
      assert.equal(retried.exitCode, 0, retried.stderr);
    } finally {
      holder.close();
      project.remove();
      await db.drop();
    }
  });
});
