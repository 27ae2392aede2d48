import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { check, deploy, deployTargets, drift, generate, OrchestratorError, resolveContext, rollback, status, statusTargets, uninstall, type DeployReport, type ProgressEvent } from '../orchestrator/api/index.ts';
import { dumpDatabase } from './support/database-dump.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { REPO_ROOT, examplePlugins } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST } from './support/test-databases.ts';

/** What the code under test wrote to stdout and stderr while `work` ran: the API must print nothing. */
async function capturingOutput<T>(work: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const writes: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return { value: await work(), printed: writes.join('') };
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
}

test('from code nobody is asked before data is lost: it needs yes: true, or a confirm function of the caller', async () => {
  const context = resolveContext({ projectDir: REPO_ROOT, env: {} });
  await assert.rejects(context.confirm({ summary: 'uninstall plugin one: drops table books' }), (error) => error instanceof OrchestratorError && error.code === 'CONFIRMATION_REQUIRED' && /yes: true/.test(error.describe()));
  await context.confirm({ summary: 'uninstall plugin one: drops table books', yes: true });
  const asked: string[] = [];
  await resolveContext({ projectDir: REPO_ROOT, env: {}, confirm: async ({ summary }) => void asked.push(summary) }).confirm({ summary: 'drops books' });
  assert.deepEqual(asked, ['drops books']);
});

/** Each plugin's migrations with their outcome, for one comparison. */
function outcomes(result: DeployReport) {
  return result.plugins.map((plugin) => [plugin.plugin, plugin.migrations.map((migration) => [migration.name, migration.status])]);
}

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`the API on ${provider}`, { timeout: 120_000 }, () => {
    const fresh = freshDatabasePerTest(provider);

    /** The example plugins generated through the API, then two hand-written migrations after two's first: the first fails at run time (a duplicate key), so the second must not run. */
    async function projectWithFailingMigration() {
      const project = fresh.project(examplePlugins());
      const options = { projectDir: project.root, databaseUrl: fresh.db.url, env: {} };
      const generated = await generate({ ...options, name: 'init' });
      assert.deepEqual(generated.plugins.map((plugin) => [plugin.plugin, plugin.migrationDir !== null]), [['one', true], ['two', true]]);
      assert.deepEqual(generated.written, generated.plugins.map((plugin) => plugin.migrationDir));
      for (const [name, sql] of [['99990101000000_duplicate_user', 'INSERT INTO "users" ("id") VALUES (1);\nINSERT INTO "users" ("id") VALUES (1);\n'], ['99990101000001_after', 'INSERT INTO "users" ("id") VALUES (2);\n']] as const) {
        mkdirSync(path.join(project.pluginDir('two'), 'migrations', name));
        writeFileSync(path.join(project.pluginDir('two'), 'migrations', name, 'migration.sql'), sql);
      }
      return { options, generated };
    }

    test('a failing migration is returned, not thrown: applied, failed with its error, skipped; progress as events; nothing printed', async () => {
      const { options, generated } = await projectWithFailingMigration();
      const events: ProgressEvent[] = [];
      const { value: result, printed } = await capturingOutput(() => deploy({ ...options, onProgress: (event) => void events.push(event) }));
      assert.equal(printed, '');
      const init = generated.plugins[0]!.migration!;
      assert.deepEqual(
        outcomes(result),
        [
          ['one', [[init, 'applied']]],
          ['two', [[init, 'applied'], ['99990101000000_duplicate_user', 'failed'], ['99990101000001_after', 'skipped']]],
        ],
      );
      assert.equal(result.applied, 2);
      assert.ok(result.error instanceof OrchestratorError);
      assert.equal(result.error.code, 'MIGRATION_FAILED');
      assert.equal(result.plugins[1]!.migrations[1]!.error, result.error);
      assert.deepEqual(
        events.map((event) => `${event.type} ${'plugin' in event ? event.plugin : ''}`),
        ['task-started one', 'migration-applied one', 'task-finished one', 'task-started two', 'migration-applied two', 'task-failed two'],
      );
      assert.deepEqual((events[3] as { pending: string[] }).pending, [init, '99990101000000_duplicate_user', '99990101000001_after']);

      const report = await status(options);
      assert.equal(report.upToDate, false);
      assert.deepEqual(report.plugins[1]!.failed.map((failed) => failed.name), ['99990101000000_duplicate_user']);
      assert.deepEqual(report.plugins[1]!.pending, ['99990101000001_after']);
    });

    test('with singleTransaction, the migrations applied before the failure are reported rolled back, and the database has none of them', async () => {
      const { options, generated } = await projectWithFailingMigration();
      const result = await deploy({ ...options, singleTransaction: true });
      const init = generated.plugins[0]!.migration!;
      assert.deepEqual(
        outcomes(result),
        [
          ['one', [[init, 'rolled-back']]],
          ['two', [[init, 'rolled-back'], ['99990101000000_duplicate_user', 'failed'], ['99990101000001_after', 'skipped']]],
        ],
      );
      assert.equal(result.applied, 0);
      assert.equal((result.error as OrchestratorError).code, 'MIGRATION_FAILED');
      const report = await status(options);
      assert.deepEqual(report.plugins.map((plugin) => plugin.applied.length), [0, 0]);
    });

    test('deployTargets and statusTargets from the API: the same plugins to two targets, reported per target', async () => {
      const project = fresh.project(examplePlugins());
      await generate({ projectDir: project.root, env: {} });
      const url = new URL(fresh.db.url);
      const targets = provider === 'sqlite'
        ? ['a', 'b'].map((name) => `file:${path.join(path.dirname(url.pathname), `${name}.db`)}`)
        : ['tenant_a', 'tenant_b'].map((schema) => `${fresh.db.url}?schema=${schema}`);
      const deployed = await deployTargets({ projectDir: project.root, env: {}, targets, plugins: ['two'] });
      assert.deepEqual(deployed.targets.map((target) => [target.outcome, target.applied.map((plugin) => plugin.plugin)]), [['deployed', ['one', 'two']], ['deployed', ['one', 'two']]]);
      assert.equal(deployed.verdict, 'ok');
      const read = await statusTargets({ projectDir: project.root, env: {}, targets });
      assert.deepEqual(read.summary, { upToDate: 2, notUpToDate: 0, failed: 0 });
    });

    /** The example plugins generated and deployed through the API. */
    async function deployedProject() {
      const project = fresh.project(examplePlugins());
      const options = { projectDir: project.root, databaseUrl: fresh.db.url, env: {} };
      const { plugins } = await generate({ ...options, name: 'init' });
      const deployed = await deploy(options);
      assert.equal(deployed.applied, 2, String(deployed.error));
      return { project, options, init: plugins[0]!.migration! };
    }

    test('check returns the plugins whose models changed without a migration, with the SQL generate would write; none once generated', async () => {
      const project = fresh.project(examplePlugins());
      const options = { projectDir: project.root, env: {} };
      const before = await check(options);
      assert.equal(before.clean, false);
      assert.deepEqual(before.checked, ['one', 'two']);
      const created = (lines: string[]) => lines.flatMap((line) => /^CREATE TABLE "(\w+)"/.exec(line)?.[1] ?? []);
      assert.deepEqual(before.changes.map((change) => [change.plugin, created(change.summary)]), [['one', ['books']], ['two', ['users']]]);
      assert.match(before.changes[0]!.sql, /CREATE TABLE "books"/);
      await generate(options);
      const after = await check({ ...options, plugins: ['two'] });
      assert.deepEqual({ ...after }, { clean: true, checked: ['two'], changes: [] });
    });

    test('drift returns each plugin\'s state: none after deploy, drift with the restoring SQL once a column is added by hand', async () => {
      const { options, init } = await deployedProject();
      const clean = await drift(options);
      assert.equal(clean.clean, true);
      assert.deepEqual(clean.plugins.map((plugin) => [plugin.plugin, plugin.drift, plugin.expected, plugin.applied]), [['one', 'none', `the snapshot of ${init}`, 1], ['two', 'none', `the snapshot of ${init}`, 1]]);
      await fresh.db.exec('ALTER TABLE books ADD COLUMN isbn TEXT');
      const drifted = await drift({ ...options, plugins: ['one'] });
      assert.equal(drifted.clean, false);
      assert.deepEqual(drifted.plugins.map((plugin) => [plugin.plugin, plugin.drift]), [['one', 'drift']]);
      assert.ok(drifted.plugins[0]!.summary.some((line) => /books/.test(line)), drifted.plugins[0]!.sql);
    });

    test('rollback loses data: refused without yes (database unchanged), done with yes: true; its result names what was undone', async () => {
      const { options, init } = await deployedProject();
      const before = await dumpDatabase(fresh.db);
      const refusal = await rollback({ ...options, plugin: 'two' }).then(() => null, (error: unknown) => error);
      assert.ok(refusal instanceof OrchestratorError && refusal.code === 'CONFIRMATION_REQUIRED', String(refusal));
      assert.match(refusal.describe(), /yes: true/);
      assert.deepEqual(await dumpDatabase(fresh.db), before);
      const done = await rollback({ ...options, plugin: 'two', yes: true });
      assert.deepEqual([done.plugin, done.rolledBack], ['two', [init]]);
      assert.deepEqual((await status(options)).plugins.map((plugin) => [plugin.plugin, plugin.pending]), [['one', []], ['two', [init]]]);
    });

    test('uninstall loses data: refused without yes; with yes: true it returns what it dropped, and the role it retired (none on SQLite)', async () => {
      const { options } = await deployedProject();
      // A prefix of this run's own: no role of that name exists, so none may be dropped.
      const rolePrefix = `api${randomBytes(4).toString('hex')}_`;
      const before = await dumpDatabase(fresh.db);
      await assert.rejects(uninstall({ ...options, plugin: 'two', rolePrefix }), (error) => error instanceof OrchestratorError && error.code === 'CONFIRMATION_REQUIRED');
      assert.deepEqual(await dumpDatabase(fresh.db), before);
      await assert.rejects(uninstall({ ...options, plugin: 'one', rolePrefix, yes: true }), (error) => error instanceof OrchestratorError && error.code === 'PLUGIN_IN_USE');
      const done = await uninstall({ ...options, plugin: 'two', rolePrefix, yes: true });
      assert.deepEqual(done.uninstalled.tables, [{ name: 'users', rows: 0 }]);
      assert.equal(done.uninstalled.historyTable, '_prisma_migrations_two');
      assert.deepEqual(done.role, provider === 'sqlite' ? null : { plugin: 'two', role: `${rolePrefix}two`, outcome: 'absent' });
      assert.deepEqual((await fresh.db.tables()).sort(), ['_prisma_migrations_one', 'books']);
    });

    test('a deploy refused before any SQL runs throws an OrchestratorError with its stable code, and leaves the database as it was', async () => {
      const project = fresh.project(examplePlugins());
      const options = { projectDir: project.root, databaseUrl: fresh.db.url, env: {} };
      await generate(options);
      const before = await dumpDatabase(fresh.db);
      await assert.rejects(deploy({ ...options, plugins: ['three'] }), (error) => error instanceof OrchestratorError && error.code === 'PLUGIN_NOT_FOUND');
      // The environment the options default from is the caller's to give.
      await assert.rejects(deploy({ ...options, env: { ORCHESTRATOR_LOCK_TIMEOUT: 'soon' } }), (error) => error instanceof OrchestratorError && error.code === 'CONFIG_INVALID');
      assert.deepEqual(await dumpDatabase(fresh.db), before);
    });
  });
}
