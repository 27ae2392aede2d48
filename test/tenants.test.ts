import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadProject, type Project } from '../orchestrator/config/load-project.ts';
import { deployLockKeys } from '../orchestrator/database/postgres-database.ts';
import { NO_OVERRIDES } from '../orchestrator/deploy/deploy-overrides.ts';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { deployTargets, type TargetsDeployReport } from '../orchestrator/targets/deploy-targets.ts';
import { forEachTarget } from '../orchestrator/targets/for-each-target.ts';
import { parseTargetsText } from '../orchestrator/targets/read-targets-file.ts';
import { parseShard, selectShard } from '../orchestrator/targets/shard.ts';
import { statusTargets } from '../orchestrator/targets/status-targets.ts';
import { resolveTargets, type Target } from '../orchestrator/targets/target.ts';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const TENANT_SCHEMAS = 50;
const TENANT_DATABASES = 10;
/** The tenant in the middle whose schema already has a `books` table of its own: its deploy fails. */
const CONFLICTING = 'tenant_25';
/** Put into every URL the CLI gets (the test server trusts local connections, so it is never checked): it must never be printed. */
const PASSWORD = 's3cret-pw';
const ALL_TABLES = ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users'];

const targetsOf = (urls: string[]): Target[] => resolveTargets(urls.map((url, index) => ({ url, where: `#${index}` })), '/', 'test');
const deployed = (report: TargetsDeployReport) => report.targets.filter((target) => target.outcome === 'deployed').map((target) => target.target);

describe('many tenants on PostgreSQL: 50 schemas of one database and 10 databases', () => {
  let db: TestDatabase;
  const databases: TestDatabase[] = [];
  let project: TempProject;
  let settings: Project;
  const schemaUrl = (schema: string) => `${db.url}?schema=${schema}`;
  const withPassword = (url: string) => url.replace('postgresql://postgres@', `postgresql://postgres:${PASSWORD}@`);
  const tablesIn = async (schema: string) =>
    (await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`)).map((row) => row.name);
  const historyOf = async (schema: string, plugin: string) =>
    db.query<{ migration_name: string; finished: boolean }>(`SELECT migration_name, finished_at IS NOT NULL AS finished FROM "${schema}"."_prisma_migrations_${plugin}"`);
  const schemaNames = Array.from({ length: TENANT_SCHEMAS }, (_, index) => `tenant_${index + 1}`);
  let tenantUrls: string[];

  before(async () => {
    db = await createTestDatabase('postgresql');
    databases.push(...(await Promise.all(Array.from({ length: TENANT_DATABASES }, () => createTestDatabase('postgresql')))));
    project = createTempProject('postgresql', examplePlugins(), db.url);
    const generated = await project.cli(['generate']);
    assert.equal(generated.exitCode, 0, generated.stderr);
    settings = loadProject(project.root, {});
    // The failing tenant sits in the middle of the list, among the schemas.
    tenantUrls = [...schemaNames.map(schemaUrl), ...databases.map((tenant) => tenant.url)];
    await db.exec(`CREATE SCHEMA ${CONFLICTING}; CREATE TABLE ${CONFLICTING}.books (legacy_id INTEGER)`);
  });
  after(async () => {
    project?.remove();
    await Promise.all([db, ...databases].filter(Boolean).map((each) => each.drop()));
  });

  test('concurrency 8: every tenant deployed in its own schema or database, the conflicting one reported, nothing of it kept', async () => {
    // lockTimeout 0: a target that had to wait for another target's lock would fail, so none shares a lock.
    const report = await deployTargets(settings, { ...NO_OVERRIDES, targets: tenantUrls, concurrency: 8, lockTimeout: 0 });
    const others = tenantUrls.filter((url) => url !== schemaUrl(CONFLICTING));
    assert.deepEqual(deployed(report), others, 'all other 59 deployed, in list order');
    assert.deepEqual(report.summary, { deployed: 59, upToDate: 0, failed: 1, skipped: 0 });
    assert.equal(report.verdict, 'failed', 'a migration failure is not worth a retry');
    const failed = report.targets[24]!;
    assert.equal(failed.target, schemaUrl(CONFLICTING));
    assert.equal(failed.outcome, 'failed');
    assert.equal(failed.error?.code, 'MIGRATION_FAILED');
    assert.match(failed.error!.message, /^Plugin "one", migration 20\d{12}_init .*relation "books" already exists/s);
    assert.deepEqual(failed.applied, []);
    for (const target of report.targets.filter((each) => each.outcome === 'deployed')) {
      assert.deepEqual(target.applied.map((plugin) => [plugin.plugin, plugin.applied.length]), [['one', 1], ['two', 1]]);
    }

    // Each schema has its own tables and history; public holds none of them.
    for (const schema of ['tenant_1', 'tenant_24', 'tenant_26', 'tenant_50']) {
      assert.deepEqual(await tablesIn(schema), ALL_TABLES, schema);
      assert.deepEqual((await historyOf(schema, 'one')).map((row) => row.finished), [true], `${schema}: one history row of its own`);
    }
    assert.deepEqual(await tablesIn('public'), []);
    for (const tenant of databases) assert.deepEqual(await tenant.tables(), ALL_TABLES);
    // The failing tenant: its own table untouched, the failed attempt recorded, nothing else created.
    assert.deepEqual(await tablesIn(CONFLICTING), ['_prisma_migrations_one', 'books']);
    assert.deepEqual(await db.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${CONFLICTING}' AND table_name = 'books'`), [{ column_name: 'legacy_id' }]);
    assert.deepEqual((await historyOf(CONFLICTING, 'one')).map((row) => row.finished), [false]);

    // Status per schema: the same list, read-only.
    const status = await statusTargets(settings, { targets: tenantUrls, concurrency: 8 });
    assert.deepEqual(status.summary, { upToDate: 59, notUpToDate: 1, failed: 0 });
    assert.equal(status.verdict, 'not-up-to-date');
    assert.equal(status.targets[24]!.status!.plugins[0]!.failed.length, 1);

    // Again: nothing left to do but the conflicting tenant, which fails the same way.
    const again = await deployTargets(settings, { ...NO_OVERRIDES, targets: tenantUrls, concurrency: 8 });
    assert.deepEqual(again.summary, { deployed: 0, upToDate: 59, failed: 1, skipped: 0 });
  });

  test('concurrency 1 gives the same result, one tenant after another (a schema name that needs quoting too)', async () => {
    const schemas = [...Array.from({ length: 7 }, (_, index) => `serial_${index}`), 'Serial-Mixed Case'];
    const urls = schemas.map((schema) => schemaUrl(encodeURIComponent(schema)));
    const finished: string[] = [];
    const report = await deployTargets(settings, { ...NO_OVERRIDES, targets: urls, concurrency: 1, onTargetSettled: (result) => finished.push(result.target) });
    assert.deepEqual(deployed(report), urls);
    assert.deepEqual(finished, urls, 'one at a time finishes in list order');
    for (const schema of schemas) assert.deepEqual(await tablesIn(schema), ALL_TABLES, schema);
  });

  test('--fail-fast: after the first failure no new target starts; the ones before it stay deployed', async () => {
    await db.exec('CREATE SCHEMA ff_broken; CREATE TABLE ff_broken.books (legacy_id INTEGER)');
    const urls = ['ff_ok', 'ff_broken', 'ff_later_1', 'ff_later_2'].map(schemaUrl);
    const report = await deployTargets(settings, { ...NO_OVERRIDES, targets: urls, concurrency: 1, failFast: true });
    assert.deepEqual(report.targets.map((target) => target.outcome), ['deployed', 'failed', 'skipped', 'skipped']);
    assert.equal(report.verdict, 'failed');
    assert.deepEqual(await tablesIn('ff_later_1'), []);
    assert.deepEqual(await db.query("SELECT 1 FROM pg_namespace WHERE nspname = 'ff_later_2'"), [], 'a skipped target is never connected to');
  });

  test('a failing migration half way: the report keeps what the target applied before it', async () => {
    // two's migration fails on this tenant only (its users table exists), after one's committed.
    await db.exec('CREATE SCHEMA half_way; CREATE TABLE half_way.users (legacy_id INTEGER)');
    const report = await deployTargets(settings, { ...NO_OVERRIDES, targets: [schemaUrl('half_way')] });
    const [target] = report.targets;
    assert.equal(target!.outcome, 'failed');
    assert.deepEqual(target!.applied.map((plugin) => plugin.plugin), ['one']);
    assert.match(target!.error!.message, /^Plugin "two", migration 20\d{12}_init /);
  });

  test('CLI: deploy --targets reports per target without the password; only a retryable failure exits 3; status --targets per shard', async () => {
    const file = path.join(project.root, 'tenants.txt');
    const unreachable = `postgresql://postgres:${PASSWORD}@127.0.0.1:1/nowhere?connect_timeout=2`;
    const fresh = ['cli_new_1', 'cli_new_2'].map(schemaUrl);
    writeFileSync(file, ['# every tenant of the test', ...tenantUrls.map(withPassword), ...fresh.map(withPassword), `${unreachable}   # down for maintenance`, ''].join('\n'));

    const run = await project.cli(['deploy', '--targets', file, '--concurrency', '8']);
    assert.equal(run.exitCode, 1, `a migration failure among the failures: exit 1\n${run.stderr}`);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(PASSWORD), 'no password printed');
    assert.match(run.stdout, /^TARGET +RESULT +APPLIED$/m);
    assert.match(run.stdout, new RegExp(`^postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/\\w+\\?schema=cli_new_1 +deployed +one \\+1, two \\+1$`, 'm'));
    assert.match(run.stdout, new RegExp(`schema=${CONFLICTING} +failed +MIGRATION_FAILED \\(see below\\)$`, 'm'));
    assert.match(run.stdout, /127\.0\.0\.1:1\/nowhere\?connect_timeout=2 +failed +DATABASE_UNREACHABLE \(see below\)$/m);
    assert.match(run.stdout, /^63 target\(s\), concurrency 8: 2 deployed, 59 up to date, 2 failed, 0 skipped\.$/m);
    assert.match(run.stdout, /^ {2}Fix: /m, 'each failure in full, with its fix');
    assert.equal(run.stderr.match(/^\[\d+\/63\] /gm)?.length, 63, 'one progress line per target');
    for (const url of fresh) assert.deepEqual(await tablesIn(new URL(url).searchParams.get('schema')!), ALL_TABLES);

    // JSON, and exit 3 when every failure may pass on a retry: here a lock another deploy holds.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, $2)', deployLockKeys('cli_locked'));
      const lockedFile = path.join(project.root, 'locked.json');
      writeFileSync(lockedFile, JSON.stringify([schemaUrl('cli_locked'), schemaUrl('cli_free')].map(withPassword)));
      const locked = await project.cli(['deploy', '--targets', lockedFile, '--lock-timeout', '0', '--json']);
      assert.equal(locked.exitCode, 3, locked.stderr);
      const report = JSON.parse(locked.stdout) as TargetsDeployReport;
      assert.deepEqual(report.targets.map((target) => [target.outcome, target.error?.code, target.error?.retryable]), [
        ['failed', 'LOCK_TIMEOUT', true],
        ['deployed', undefined, undefined],
      ]);
      assert.equal(report.verdict, 'retryable');
      assert.ok(!locked.stdout.includes(PASSWORD));
    } finally {
      await holder.end();
    }

    // status --targets, sharded over 3 processes: each target in exactly one shard; exit 2 only for the shard holding the failed tenant.
    const statusFile = path.join(project.root, 'status.txt');
    writeFileSync(statusFile, [...tenantUrls, ...fresh].join('\n'));
    const shards = await Promise.all([0, 1, 2].map((index) => project.cli(['status', '--targets', statusFile, '--shard', `${index}/3`, '--json'])));
    const seen = shards.flatMap((shard) => (JSON.parse(shard.stdout) as { targets: { target: string }[] }).targets.map((target) => target.target));
    assert.deepEqual([...seen].sort(), [...tenantUrls, ...fresh].sort(), 'every target in exactly one shard');
    for (const shard of shards) {
      const holdsConflict = shard.stdout.includes(`schema=${CONFLICTING}"`);
      assert.equal(shard.exitCode, holdsConflict ? 2 : 0, shard.stderr);
    }
  });
});

describe('many SQLite files', () => {
  test('each file deployed on its own; one that is not a SQLite database fails alone with exit 1', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      writeFileSync(path.join(project.root, 'broken.db'), 'this is not a database');
      writeFileSync(path.join(project.root, 'targets.txt'), ['file:./a.db', 'file:./broken.db', 'file:./b.db'].join('\n'));
      const run = await project.cli(['deploy', '--targets', 'targets.txt', '--json'].map((arg) => (arg === 'targets.txt' ? path.join(project.root, arg) : arg)));
      assert.equal(run.exitCode, 1, run.stderr);
      const report = JSON.parse(run.stdout) as TargetsDeployReport;
      assert.deepEqual(report.targets.map((target) => [target.target, target.outcome, target.error?.code]), [
        ['file:./a.db', 'deployed', undefined],
        ['file:./broken.db', 'failed', 'DATABASE_FILE_INVALID'],
        ['file:./b.db', 'deployed', undefined],
      ]);
      const status = await project.cli(['status', '--targets', path.join(project.root, 'targets.txt')]);
      assert.equal(status.exitCode, 1, status.stderr);
      assert.match(status.stdout, /^file:\.\/a\.db +up-to-date +-$/m);
    } finally {
      project.remove();
    }
  });
});

describe('a bad targets file or option is refused before anything connects', () => {
  test('a bad URL names its line; a missing file and --json without --targets are refused; no database is created', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      assert.equal((await project.cli(['generate'])).exitCode, 0);
      const file = path.join(project.root, 'targets.txt');
      writeFileSync(file, ['# tenants', 'file:./a.db', 'mysql://u:hunter2@h/db', 'file:./b.db'].join('\n'));
      const badUrl = await project.cli(['deploy', '--targets', file]);
      assert.equal(badUrl.exitCode, 1);
      assert.match(badUrl.stderr, /^Error \[DATABASE_URL_INVALID\]: \S*targets\.txt:3: DATABASE_URL "mysql:\/\/u:\*\*\*@h\/db" is not a database URL/m);
      assert.doesNotMatch(badUrl.stderr, /hunter2|\n\s+at /, 'no password, no stack trace');

      const missing = await project.cli(['status', '--targets', path.join(project.root, 'nope.txt')]);
      assert.equal(missing.exitCode, 1);
      assert.match(missing.stderr, /^Error \[CONFIG_INVALID\]: Cannot read the targets file \S*nope\.txt/m);

      const stray = await project.cli(['deploy', '--json', '--concurrency', '2']);
      assert.equal(stray.exitCode, 1);
      assert.match(stray.stderr, /^Error \[CONFIG_INVALID\]: --concurrency, --json apply only to a deploy or status of many targets/m);
      assert.deepEqual(readdirSync(project.root).filter((name) => name.endsWith('.db') || name === 'data'), [], 'nothing was created');
    } finally {
      project.remove();
    }
  });
});

describe('target lists and shards', () => {
  test('a targets file: one URL per line with # comments, or a JSON array', () => {
    const lines = parseTargetsText('# tenants\npostgresql://h/db?schema=a\n\n  postgresql://u:pa#ss@h/db?schema=b   # a password with #\r\n', 'targets.txt');
    assert.deepEqual(lines, [
      { url: 'postgresql://h/db?schema=a', where: 'targets.txt:2' },
      { url: 'postgresql://u:pa#ss@h/db?schema=b', where: 'targets.txt:4' },
    ]);
    assert.deepEqual(parseTargetsText(' ["file:./a.db", "file:./b.db"]', 't.json').map((entry) => entry.where), ['t.json[0]', 't.json[1]']);
    assert.throws(() => parseTargetsText('["file:./a.db", 3]', 't.json'), (error: OrchestratorError) => error.code === 'CONFIG_INVALID' && /entry 1 is not a string/.test(error.message));
    assert.throws(() => parseTargetsText('[oops', 't.json'), (error: OrchestratorError) => error.code === 'CONFIG_INVALID');
  });

  test('bad entries are refused naming the line: an unknown URL, a duplicate (password or parameters aside), an empty list', () => {
    const refuse = (urls: string[], code: string, message: RegExp) =>
      assert.throws(() => resolveTargets(urls.map((url, index) => ({ url, where: `t.txt:${index + 1}` })), '/', 't.txt'), (error: OrchestratorError) => error.code === code && message.test(error.message));
    refuse(['postgresql://h/db', 'mysql://h/db'], 'DATABASE_URL_INVALID', /^t\.txt:2: /);
    refuse(['postgresql://u:one@h:5432/db?schema=a', 'postgresql://u:two@h/db?schema=a&connect_timeout=3'], 'CONFIG_INVALID', /^t\.txt:2: postgresql:\/\/u:\*\*\*@h\/db.* same database and schema as t\.txt:1/);
    refuse([], 'CONFIG_INVALID', /lists no targets/);
    assert.equal(targetsOf(['postgresql://h/db?schema=a', 'postgresql://h/db?schema=b', 'postgresql://h/other?schema=a']).length, 3);
  });

  test('--shard i/N: every target in exactly one shard, and a growing list moves no target', () => {
    const urls = Array.from({ length: 200 }, (_, index) => `postgresql://app@db:5432/app?schema=tenant_${index}`);
    const targets = targetsOf(urls);
    for (const count of [1, 2, 3, 4, 7]) {
      const shards = Array.from({ length: count }, (_, index) => selectShard(targets, { index, count }).map((target) => target.url));
      assert.deepEqual(shards.flat().sort(), [...urls].sort(), `N=${count}: the shards cover the list exactly once`);
      if (count > 1) assert.ok(shards.every((shard) => shard.length >= 200 / count / 2), `N=${count}: no shard is starved (${shards.map((s) => s.length)})`);
    }
    const grown = targetsOf([...urls.slice(0, 100).reverse(), 'postgresql://app@db:5432/app?schema=new_tenant', ...urls.slice(100)]);
    for (let index = 0; index < 4; index++) {
      const before = new Set(selectShard(targets, { index, count: 4 }).map((target) => target.key));
      const now = new Set(selectShard(grown, { index, count: 4 }).map((target) => target.key));
      for (const key of before) assert.ok(now.has(key), `${key} stays in shard ${index}`);
    }
    // A rotated password or another parameter does not move a target.
    const keyOf = (url: string) => targetsOf([url])[0]!.key;
    assert.equal(keyOf('postgresql://app:old@db/app?schema=t1'), keyOf('postgresql://app:new@db:5432/app?schema=t1&connect_timeout=5'));
    assert.notEqual(keyOf('postgresql://app@db/app?schema=t1'), keyOf('postgresql://app@db/app?schema=t2'));
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '1']) assert.throws(() => parseShard(bad), (error: OrchestratorError) => error.code === 'CONFIG_INVALID', bad);
  });

  test('bounded concurrency: never more than N in flight; fail-fast starts nothing after a failure', async () => {
    const targets = targetsOf(Array.from({ length: 20 }, (_, index) => `file:./t${index}.db`));
    for (const concurrency of [1, 8]) {
      let inFlight = 0;
      let most = 0;
      const outcomes = await forEachTarget(targets, { concurrency }, async (target) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return target.url;
      });
      assert.equal(most, concurrency);
      assert.deepEqual(outcomes.map((outcome) => (outcome.state === 'done' ? outcome.value : outcome.state)), targets.map((target) => target.url));
    }
    const started: string[] = [];
    let failedNow = () => {};
    const t3Failed = new Promise<void>((resolve) => (failedNow = resolve));
    const outcomes = await forEachTarget(targets, { concurrency: 2, failFast: true }, async (target) => {
      started.push(target.url);
      // t0 is still running when t3 fails; the other worker runs t1, t2, t3.
      if (target.url === 'file:./t0.db') return t3Failed;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (target.url === 'file:./t3.db') {
        failedNow();
        throw new OrchestratorError('MIGRATION_FAILED', 'boom');
      }
    });
    // t0 still runs when t3 fails: it finishes; nothing after t3 starts.
    assert.deepEqual(started, ['file:./t0.db', 'file:./t1.db', 'file:./t2.db', 'file:./t3.db']);
    assert.deepEqual(outcomes.slice(0, 5).map((outcome) => outcome.state), ['done', 'done', 'done', 'failed', 'skipped']);
    assert.ok(outcomes.slice(4).every((outcome) => outcome.state === 'skipped'));
    await assert.rejects(forEachTarget(targets, { concurrency: 0 }, async () => {}), (error: OrchestratorError) => error.code === 'CONFIG_INVALID');
  });
});
