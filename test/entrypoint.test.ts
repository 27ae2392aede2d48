import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { ENTRYPOINT, appReport, descendantPids, fakeApp, isRunning, startEntrypoint, type EntrypointRun } from './support/run-entrypoint.ts';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const EXPECTED_TABLES = ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users'];
const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/x';
/** A backstop: withRuns() below ends a hung test sooner. */
const LIMIT = { timeout: 120_000 };

/**
 * Runs a test's entrypoints, and kills whatever is still running when it ends, also when an
 * assertion failed halfway or a process hangs (a hung application must fail, not stall the run).
 */
async function withRuns<T>(work: (track: (run: EntrypointRun) => EntrypointRun) => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const runs: EntrypointRun[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      runs.forEach((run) => run.kill());
      reject(new Error(`timed out after ${timeoutMs} ms:\n${runs.map((run) => `${run.stdout()}\n${run.stderr()}`).join('\n---\n')}`));
    }, timeoutMs);
  });
  const track = (run: EntrypointRun) => {
    runs.push(run);
    return run;
  };
  try {
    return await Promise.race([work(track), timedOut]);
  } finally {
    clearTimeout(timer);
    runs.forEach((run) => run.kill());
  }
}

async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, 'g'))].length;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP forwarder to the test PostgreSQL server: a database that "comes up" when it starts listening. */
async function startProxy(port: number, target: URL): Promise<{ close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close() {
      server.close();
      sockets.forEach((socket) => socket.destroy());
    },
  };
}

/** Takes the database's write lock (SQLite) or an exclusive lock on `books` (PostgreSQL) until released. */
async function holdLock(db: TestDatabase): Promise<() => Promise<void>> {
  if (db.provider === 'sqlite') {
    const holder = new BetterSqlite3(db.url.slice('file:'.length));
    holder.exec('BEGIN IMMEDIATE');
    return async () => {
      holder.exec('ROLLBACK');
      holder.close();
    };
  }
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE "books" IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await holder.query('ROLLBACK');
    await holder.end();
  };
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`docker/entrypoint.sh on ${provider}`, () => {
    let db: TestDatabase;
    let project: TempProject;
    const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, ORCHESTRATOR_PROJECT: project.root, MIGRATE_RETRY_DELAY_SECONDS: '0.1', ...extra });

    before(async () => {
      db = await createTestDatabase(provider);
      project = createTempProject(provider, examplePlugins(), db.url);
      const generated = await project.cli(['generate']);
      assert.equal(generated.exitCode, 0, generated.stderr);
    });
    after(async () => {
      project?.remove();
      await db?.drop();
    });

    test('migrates, then execs the application: it takes over the PID and finds every table in place', LIMIT, async () => {
      await withRuns(async (track) => {
        const run = track(startEntrypoint(fakeApp(), env()));
        const exit = await run.exited;
        assert.equal(exit.code, 0, exit.stderr);
        assert.match(exit.stdout, /Applied 2 migration\(s\)/);
        assert.match(exit.stderr, /applying migrations \(attempt 1 of 10\)/);
        const app = appReport(exit.stdout);
        assert.ok(app, `the application must start:\n${exit.stdout}`);
        assert.equal(app.pid, run.pid, "exec: the application must run in the entrypoint's own process");
        assert.equal(app.ppid, process.pid, 'no shell may stay between the container runtime and the application');
        for (const table of EXPECTED_TABLES) assert.ok(app.tables.includes(table), `${table} must exist before the application starts`);
        assert.deepEqual(app.tables, await db.tables(), 'deploy must be finished, not running beside the application');
      });
    });

    test("SIGTERM sent to the entrypoint's PID reaches the application", LIMIT, async () => {
      await withRuns(async (track) => {
        const marker = path.join(project.root, 'sigterm-marker');
        const run = track(startEntrypoint(fakeApp(marker), env()));
        await run.waitFor('stdout', /^APP_STARTED /m);
        process.kill(run.pid, 'SIGTERM');
        const exit = await run.exited;
        assert.deepEqual([exit.code, exit.signal], [0, null], `the application must handle SIGTERM and exit 0:\n${exit.stderr}`);
        assert.equal(readFileSync(marker, 'utf8'), 'SIGTERM');
      });
    });

    test('SIGTERM while a migration waits for a lock stops the deploy too, and the application never starts', LIMIT, async () => {
      const dir = path.join(project.pluginDir('one'), 'migrations', '29990101000000_add_pages');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'migration.sql'), 'ALTER TABLE "books" ADD COLUMN "pages" INTEGER;\n');
      try {
        const release = await holdLock(db);
        try {
          await withRuns(async (track) => {
            const run = track(startEntrypoint(fakeApp(), env()));
            await run.waitFor('stdout', /one: applying 1 migration/);
            const deploys = descendantPids(run.pid);
            assert.ok(deploys.length > 0, 'deploy must be running');
            const signalledAt = Date.now();
            process.kill(run.pid, 'SIGTERM');
            const exit = await run.exited;
            assert.equal(exit.code, 143, exit.stderr);
            assert.ok(Date.now() - signalledAt < 5_000, `stopping took ${Date.now() - signalledAt} ms`);
            assert.match(exit.stderr, /received SIGTERM before the application started/);
            assert.equal(appReport(exit.stdout), undefined, 'the application must not start');
            await eventually(() => !deploys.some(isRunning), 'every process the entrypoint started is gone');
          });
        } finally {
          await release();
        }
        const columns = provider === 'sqlite'
          ? await db.query<{ name: string }>(`SELECT name FROM pragma_table_info('books')`)
          : await db.query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'books'`);
        assert.ok(!columns.some((column) => column.name === 'pages'), 'the interrupted migration must not be applied');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test("a failing migration: the orchestrator's message, its exit code, no retry, and no application", LIMIT, async () => {
      const dir = path.join(project.pluginDir('two'), 'migrations', '29990101000000_broken');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'migration.sql'), 'CREATE TABLE "audit" ("id" INTEGER PRIMARY KEY);\nINSERT INTO "no_such_table" VALUES (1);\n');
      try {
        await withRuns(async (track) => {
          const exit = await track(startEntrypoint(fakeApp(), env())).exited;
          assert.equal(exit.code, 1, exit.stderr);
          assert.match(exit.stderr, /MIGRATION_FAILED/);
          assert.match(exit.stderr, /no_such_table/);
          assert.match(exit.stderr, /migrations failed \(deploy exited with 1\); the application was not started/);
          assert.equal(count(exit.stderr, /applying migrations \(attempt/), 1, 'only an unreachable database is retried');
          assert.equal(appReport(exit.stdout), undefined, 'the application must not start');
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('waits for a database that comes up late, then migrates and starts the application', LIMIT, async () => {
      const settings = { MIGRATE_MAX_ATTEMPTS: '6', MIGRATE_RETRY_DELAY_SECONDS: '0.5' };
      if (provider === 'sqlite') {
        // A file where the database's folder should be: unreachable until the test removes it.
        const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-late-'));
        const blocker = path.join(dir, 'late');
        writeFileSync(blocker, 'not a folder');
        try {
          await withRuns(async (track) => {
            const run = track(startEntrypoint(fakeApp(), env({ ...settings, DATABASE_URL: `file:${blocker}/app.db` })));
            await run.waitFor('stderr', /retrying in/);
            rmSync(blocker);
            const exit = await run.exited;
            assert.equal(exit.code, 0, exit.stderr);
            assert.match(exit.stderr, /DATABASE_UNREACHABLE/);
            assert.match(exit.stderr, /attempt 1 of 6: deploy exited 3 \(database unreachable, connection lost or deploy lock busy: see its error above\); retrying in 0\.5s/);
            assert.deepEqual(appReport(exit.stdout)?.tables, EXPECTED_TABLES);
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        return;
      }
      const late = await createTestDatabase('postgresql');
      const port = await freePort();
      const url = new URL(late.url);
      url.port = String(port);
      let proxy: { close(): void } | undefined;
      try {
        await withRuns(async (track) => {
          const run = track(startEntrypoint(fakeApp(), env({ ...settings, DATABASE_URL: url.toString() })));
          await run.waitFor('stderr', /retrying in/);
          proxy = await startProxy(port, new URL(late.url));
          const exit = await run.exited;
          assert.equal(exit.code, 0, exit.stderr);
          assert.match(exit.stderr, /ECONNREFUSED/);
          assert.match(exit.stderr, /attempt 1 of 6: deploy exited 3 \(database unreachable, connection lost or deploy lock busy: see its error above\); retrying in 0\.5s/);
          assert.deepEqual(appReport(exit.stdout)?.tables, EXPECTED_TABLES);
        });
      } finally {
        proxy?.close();
        await late.drop();
      }
    });

    test('replicas starting together all start, and each migration is applied once', LIMIT, async () => {
      const shared = await createTestDatabase(provider);
      try {
        await withRuns(async (track) => {
          const runs = [1, 2, 3].map(() => track(startEntrypoint(fakeApp(), env({ DATABASE_URL: shared.url }))));
          const exits = await Promise.all(runs.map((run) => run.exited));
          for (const exit of exits) {
            assert.equal(exit.code, 0, exit.stderr);
            assert.deepEqual(appReport(exit.stdout)?.tables, EXPECTED_TABLES);
          }
          const applied = exits.reduce((sum, exit) => sum + Number(/Applied (\d+) migration/.exec(exit.stdout)?.[1] ?? 0), 0);
          assert.equal(applied, 2, 'two migrations in all, each applied by exactly one replica');
        });
        for (const history of ['_prisma_migrations_one', '_prisma_migrations_two']) {
          const rows = await shared.query(`SELECT migration_name FROM "${history}" WHERE finished_at IS NOT NULL`);
          assert.equal(rows.length, 1, `${history} must record its one migration once`);
        }
      } finally {
        await shared.drop();
      }
    });
  });
}

describe('docker/entrypoint.sh, whatever the database', () => {
  let project: TempProject;
  before(() => {
    project = createTempProject('postgresql', examplePlugins());
  });
  after(() => project?.remove());

  test('gives up after its retry budget against an unreachable database, with capped backoff', LIMIT, async () => {
    await withRuns(async (track) => {
      const settings = { MIGRATE_MAX_ATTEMPTS: '4', MIGRATE_RETRY_DELAY_SECONDS: '0.05', MIGRATE_RETRY_MAX_DELAY_SECONDS: '0.1' };
      const run = track(startEntrypoint(fakeApp(), { DATABASE_URL: UNREACHABLE_URL, ORCHESTRATOR_PROJECT: project.root, ...settings }));
      const exit = await run.exited;
      assert.equal(exit.code, 3, exit.stderr);
      assert.equal(count(exit.stderr, /applying migrations \(attempt \d of 4\)/), 4);
      assert.equal(count(exit.stderr, /Error \[DATABASE_UNREACHABLE\]/), 4, "each attempt shows the orchestrator's own message");
      const waits = [...exit.stderr.matchAll(/attempt (\d) of 4: deploy exited 3 \(database unreachable, connection lost or deploy lock busy: see its error above\); retrying in ([\d.]+)s/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(waits, [['1', '0.05'], ['2', '0.1'], ['3', '0.1']], 'the wait doubles, up to its cap');
      assert.match(exit.stderr, /still fails with a retryable error \(exit 3\) after 4 attempt\(s\); giving up, the application was not started/);
      assert.equal(appReport(exit.stdout), undefined);
      assert.ok(exit.ms < 30_000, `four attempts took ${exit.ms} ms`);
    });
  });

  test('SIGTERM during the wait between attempts stops the entrypoint at once', LIMIT, async () => {
    await withRuns(async (track) => {
      const settings = { MIGRATE_MAX_ATTEMPTS: '5', MIGRATE_RETRY_DELAY_SECONDS: '30' };
      const run = track(startEntrypoint(fakeApp(), { DATABASE_URL: UNREACHABLE_URL, ORCHESTRATOR_PROJECT: project.root, ...settings }));
      await run.waitFor('stderr', /retrying in 30s/);
      const signalledAt = Date.now();
      process.kill(run.pid, 'SIGTERM');
      const exit = await run.exited;
      assert.equal(exit.code, 143, exit.stderr);
      assert.ok(Date.now() - signalledAt < 3_000, `stopping took ${Date.now() - signalledAt} ms, not the 30 s wait`);
      assert.match(exit.stderr, /received SIGTERM before the application started/);
      assert.equal(appReport(exit.stdout), undefined);
    });
  });

  test('MIGRATE_ON_START=false starts the application without touching the database', LIMIT, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-skip-'));
    const file = path.join(dir, 'app.db');
    try {
      await withRuns(async (track) => {
        const run = track(startEntrypoint(fakeApp(), { DATABASE_URL: `file:${file}`, ORCHESTRATOR_PROJECT: project.root, MIGRATE_ON_START: 'false' }));
        const exit = await run.exited;
        assert.equal(exit.code, 0, exit.stderr);
        assert.match(exit.stderr, /MIGRATE_ON_START=false: not applying migrations/);
        assert.doesNotMatch(exit.stderr, /applying migrations \(attempt/);
        assert.deepEqual(appReport(exit.stdout), { pid: run.pid, ppid: process.pid, tables: [] });
        assert.ok(!existsSync(file), 'no database file may be created');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('MIGRATE_COMMAND replaces the deploy command (shell quoting works); with no application command it migrates and exits 0', LIMIT, async () => {
    const db = await createTestDatabase('sqlite');
    const spaced = path.join(mkdtempSync(path.join(tmpdir(), 'orchestrator-spaced-')), 'my project');
    const sqliteProject = createTempProject('sqlite', examplePlugins(), db.url);
    try {
      assert.equal((await sqliteProject.cli(['generate'])).exitCode, 0);
      cpSync(sqliteProject.root, spaced, { recursive: true });
      await withRuns(async (track) => {
        const command = `node --import tsx orchestrator/index.ts --project '${spaced}' deploy one`;
        const exit = await track(startEntrypoint([], { DATABASE_URL: db.url, MIGRATE_COMMAND: command })).exited;
        assert.equal(exit.code, 0, exit.stderr);
        assert.match(exit.stderr, /no application command given; exiting/);
        assert.deepEqual(await db.tables(), ['_prisma_migrations_one', 'books'], 'only plugin one, as the command said');
      });
    } finally {
      sqliteProject.remove();
      rmSync(path.dirname(spaced), { recursive: true, force: true });
      await db.drop();
    }
  });

  test('a malformed setting is refused before anything runs', LIMIT, async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ MIGRATE_MAX_ATTEMPTS: '0' }, /MIGRATE_MAX_ATTEMPTS must be a whole number of at least 1, not "0"/],
      [{ MIGRATE_MAX_ATTEMPTS: 'ten' }, /MIGRATE_MAX_ATTEMPTS must be a whole number/],
      [{ MIGRATE_RETRY_DELAY_SECONDS: '-1' }, /MIGRATE_RETRY_DELAY_SECONDS must be a number of seconds/],
      [{ MIGRATE_RETRY_MAX_DELAY_SECONDS: '1.2.3' }, /MIGRATE_RETRY_MAX_DELAY_SECONDS must be a number of seconds/],
      [{ MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START must be true or false, not "maybe"/],
    ];
    await withRuns(async (track) => {
      const exits = await Promise.all(cases.map(([settings]) => track(startEntrypoint(fakeApp(), { DATABASE_URL: UNREACHABLE_URL, ...settings })).exited));
      for (const [index, exit] of exits.entries()) {
        assert.equal(exit.code, 64, exit.stderr);
        assert.match(exit.stderr, cases[index]![1]);
        assert.doesNotMatch(exit.stderr, /applying migrations/);
        assert.equal(appReport(exit.stdout), undefined);
      }
    });
  });

  test('is a bash script that shellcheck passes', LIMIT, (t) => {
    assert.match(readFileSync(ENTRYPOINT, 'utf8'), /^#!\/bin\/bash\n/);
    try {
      execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
    } catch {
      t.skip('shellcheck is not installed (apt-get install shellcheck)');
      return;
    }
    try {
      execFileSync('shellcheck', ['--shell=bash', ENTRYPOINT], { stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      assert.fail(`shellcheck found problems:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
  });
});
