/**
 * `npm run bench [-- --sizes 1,10,50,200 --providers sqlite,postgresql]`
 *
 * Builds N synthetic plugins and times generate, deploy and a no-op deploy as whole processes,
 * against the floor (the database's own client applying the same SQL in one call) and against
 * one process per plugin. Deploys run both ways users start them: from source through tsx, and
 * the built CLI the Docker image runs (`npm run build`). Prints wall time and peak RSS per phase
 * and N, the ratios, and PASS/MISS per target. Exits 1 only when the orchestrator fails or leaves the database wrong;
 * a missed target is a finding, not a failure.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { isProvider, type Provider } from '../orchestrator/config/provider.ts';
import { historyTableSql } from '../orchestrator/database/history-store.ts';
import { historyTableName } from '../orchestrator/plugins/plugin.ts';
import { REPO_ROOT, createTempProject, type TempProject } from '../test/support/temp-project.ts';
import { POSTGRES_ADMIN_URL, createTestDatabase, type TestDatabase } from '../test/support/test-databases.ts';
import { detectGnuTime, prepareBuiltCli, removeRssScratch, runNative, runOrchestrator, type OrchestratorCli, type ProcessRun } from './measure-process.ts';
import { Results, evaluateTargets, formatTable, type PhaseId, type StartupResult } from './print-results.ts';
import { TABLES_PER_PLUGIN, pluginNames, syntheticPlugin } from './synthetic-plugins.ts';

/** Above this, one process per plugin only repeats what N=10 shows, at minutes of runtime. */
const PER_PLUGIN_MAX_SIZE = 10;
const NOOP_RUNS = 3;
/**
 * Fresh-database deploys and their floors are interleaved over this many rounds and reported as
 * medians: on these machines the server's own speed drifts between runs by more than the
 * differences being measured.
 */
const DEPLOY_ROUNDS = 3;
const CLIS: OrchestratorCli[] = ['tsx', 'built'];
const DEPLOY_FRESH: Record<OrchestratorCli, PhaseId> = { tsx: 'deploy-fresh', built: 'deploy-fresh-built' };
const DEPLOY_NOOP: Record<OrchestratorCli, PhaseId> = { tsx: 'deploy-noop', built: 'deploy-noop-built' };

class BenchFailure extends Error {}

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,50,200' },
    providers: { type: 'string', default: 'sqlite,postgresql' },
  },
});
const sizes = options.sizes.split(',').map((text) => Number.parseInt(text, 10));
if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 999)) throw new Error(`--sizes must list integers from 1 to 999, got "${options.sizes}"`);
const providers = options.providers.split(',').map((text) => text.trim());
if (!providers.every(isProvider)) throw new Error(`--providers must list sqlite and/or postgresql, got "${options.providers}"`);

const results = new Results();
const benchStarted = performance.now();
let exitCode = 0;
try {
  const withGnuTime = await detectGnuTime();
  const cliEngine = await detectCliEngine();
  await prepareBuiltCli();
  console.log(await describeMachine(providers, withGnuTime));
  await warmUp();
  const startup = await measureStartup();
  for (const provider of providers) {
    for (const size of sizes) {
      const started = performance.now();
      await benchOne(provider, size, { cliEngine });
      // Another process competing for the 2 cores shows up here, not in the numbers' labels.
      console.log(`  done: ${provider} N=${size} in ${((performance.now() - started) / 1000).toFixed(1)} s (load average ${loadAverage()})`);
    }
  }
  console.log(`\n${formatTable(results, providers, sizes, startup)}\n`);
  console.log(evaluateTargets(results, providers).join('\n'));
  if (!cliEngine) console.log('\n(no orchestrator/engine/cli-diff-engine.ts with `generate --engine cli`: that phase was not measured)');
} catch (error) {
  exitCode = 1;
  console.error(error instanceof BenchFailure ? `\nBENCH FAILED: ${error.message}` : error);
} finally {
  removeRssScratch();
  console.log(`\nTotal bench runtime: ${((performance.now() - benchStarted) / 1000).toFixed(1)} s (1-min load average at the end: ${loadAverage()})`);
}
process.exitCode = exitCode;

/** Every phase of one provider at one size; each on fresh folders and fresh databases. */
async function benchOne(provider: Provider, size: number, env: { cliEngine: boolean }): Promise<void> {
  const names = pluginNames(size);
  const record = (phase: PhaseId, run: { wallMs: number; maxRssKiB: number | null }) => results.set(provider, phase, size, run);
  const projects: TempProject[] = [];
  const databases: TestDatabase[] = [];
  const newProject = () => {
    const project = createTempProject(provider, Object.fromEntries(names.map((name) => [name, syntheticPlugin(name, false)])));
    projects.push(project);
    return project;
  };
  // Each starts from a checkpoint: dirty pages left by the previous phase are not written during this one.
  const newDatabase = async () => {
    const db = await createTestDatabase(provider);
    databases.push(db);
    if (provider === 'postgresql') await execa('psql', ['-X', '-q', '-c', 'CHECKPOINT', POSTGRES_ADMIN_URL]);
    return db;
  };
  const dropDatabase = async (db: TestDatabase) => {
    databases.splice(databases.indexOf(db), 1);
    await db.drop();
  };
  try {
    const project = newProject();
    record('generate-init', expectSuccess(`generate (${provider}, N=${size})`, await runOrchestrator(project.root, ['generate'])));
    expectMigrations(project, names, 1);
    for (const name of names) project.writePlugin(name, syntheticPlugin(name, true));
    record('generate-update', expectSuccess(`second generate (${provider}, N=${size})`, await runOrchestrator(project.root, ['generate'])));
    expectMigrations(project, names, 2);

    if (size <= PER_PLUGIN_MAX_SIZE) {
      // The baseline users would script: a loop over plugins, one process each.
      const baseline = newProject();
      const runs: ProcessRun[] = [];
      for (const name of names) runs.push(expectSuccess(`generate ${name} (${provider})`, await runOrchestrator(baseline.root, ['generate', name])));
      record('generate-per-plugin', sumRuns(runs));
      expectMigrations(baseline, names, 1);
    }
    if (env.cliEngine && size <= PER_PLUGIN_MAX_SIZE) {
      const viaCli = newProject();
      const run = await runOrchestrator(viaCli.root, ['generate', '--engine', 'cli']);
      // An alternative engine still in the works: a failure or a wrong result is reported, not fatal.
      const wrong = names.filter((name) => viaCli.migrations(name).length !== 1);
      const error = run.exitCode !== 0 ? (run.stderr.trim().split('\n').slice(-3).join(' | ') || 'failed') : wrong.length > 0 ? `${wrong.length} plugin(s) without exactly 1 migration` : undefined;
      results.set(provider, 'generate-cli-engine', size, error ? { ...run, error } : run);
      if (error) console.log(`  generate --engine cli failed (${provider}, N=${size}): ${error}`);
    }

    const files = {
      floor: writeSql(project, 'floor.sql', concatenateMigrations(project, names)),
      'floor-with-history': writeSql(project, 'floor-with-history.sql', migrationsWithHistory(project, names, provider)),
      // `sqlite3 db < file` autocommits every statement (an fsync each); psql -1 does not. This
      // row is SQLite's equivalent of -1, so the two floors compare like with like.
      'floor-one-tx': writeSql(project, 'floor-one-tx.sql', `BEGIN;\n${concatenateMigrations(project, names)}\nCOMMIT;\n`),
    } as const;
    const floors: (keyof typeof files)[] = provider === 'sqlite' ? ['floor', 'floor-with-history', 'floor-one-tx'] : ['floor', 'floor-with-history'];
    const samples = new Map<PhaseId, ProcessRun[]>();
    const sample = (phase: PhaseId, run: ProcessRun) => samples.set(phase, [...(samples.get(phase) ?? []), run]);
    let deployed: TestDatabase | undefined;
    for (let round = 0; round < DEPLOY_ROUNDS; round++) {
      for (const floor of floors) {
        const db = await newDatabase();
        sample(floor, expectSuccess(`${floor} (${provider}, N=${size})`, await applyFloor(db, files[floor])));
        await expectTables(db, names.flatMap(floor === 'floor-with-history' ? tablesWithHistory : pluginTables), `${floor} (${provider}, N=${size})`);
        await dropDatabase(db);
      }
      for (const cli of CLIS) {
        const db = await newDatabase();
        const what = `deploy with the ${cli} CLI (${provider}, N=${size})`;
        sample(DEPLOY_FRESH[cli], expectSuccess(what, await runOrchestrator(project.root, ['deploy'], { DATABASE_URL: db.url }, cli)));
        await verifyDeployed(db, names, 2, what);
        if (deployed) await dropDatabase(deployed);
        deployed = db;
      }
    }
    for (const [phase, runs] of samples) record(phase, median(runs));

    for (const cli of CLIS) {
      const noops: ProcessRun[] = [];
      for (let i = 0; i < NOOP_RUNS; i++) {
        const what = `no-op deploy with the ${cli} CLI (${provider}, N=${size})`;
        const run = expectSuccess(what, await runOrchestrator(project.root, ['deploy'], { DATABASE_URL: deployed!.url }, cli));
        if (!/Nothing to deploy/.test(run.stdout)) throw new BenchFailure(`${what} applied something:\n${run.stdout}`);
        noops.push(run);
      }
      record(DEPLOY_NOOP[cli], median(noops));
    }
    await verifyDeployed(deployed!, names, 2, `no-op deploys (${provider}, N=${size})`);
  } finally {
    for (const db of databases) await db.drop().catch((error: unknown) => console.error(`could not drop a bench database: ${String(error)}`));
    for (const project of projects) project.remove();
  }
}

/** `psql -1 -q -f file` or `sqlite3 file.db < file`; both stop at the first error so a bad file cannot pass. */
function applyFloor(db: TestDatabase, sqlFile: string): Promise<ProcessRun> {
  return db.provider === 'postgresql'
    ? runNative('psql', ['-X', '-1', '-q', '-v', 'ON_ERROR_STOP=1', '-f', sqlFile, db.url])
    : runNative('sqlite3', ['-bail', db.url.slice('file:'.length)], { inputFile: sqlFile });
}

function writeSql(project: TempProject, name: string, sql: string): string {
  const file = path.join(project.root, name);
  writeFileSync(file, sql);
  return file;
}

/**
 * The floor plus the bookkeeping any per-plugin history needs: each plugin's history table and
 * one row per migration. What deploy costs beyond this is the orchestrator's own overhead.
 */
function migrationsWithHistory(project: TempProject, names: string[], provider: Provider): string {
  return names
    .flatMap((name) => {
      const table = historyTableName(name);
      return [
        `${historyTableSql(table, provider)};`,
        ...project.migrations(name).map(
          (migration) =>
            `${project.readMigration(name, migration)}\nINSERT INTO "${table}" ("id", "checksum", "migration_name", "finished_at", "applied_steps_count") VALUES ('${randomUUID()}', '${'0'.repeat(64)}', '${migration}', CURRENT_TIMESTAMP, 1);`,
        ),
      ];
    })
    .join('\n');
}

function concatenateMigrations(project: TempProject, names: string[]): string {
  return names
    .flatMap((name) => project.migrations(name).map((migration) => project.readMigration(name, migration)))
    .join('\n');
}

function pluginTables(plugin: string): string[] {
  return TABLES_PER_PLUGIN.map((table) => `${plugin}_${table}`);
}

function tablesWithHistory(plugin: string): string[] {
  return [...pluginTables(plugin), historyTableName(plugin)];
}

/** 3N plugin tables + N history tables, and per plugin exactly its migrations recorded as finished. */
async function verifyDeployed(db: TestDatabase, names: string[], migrationsPerPlugin: number, what: string): Promise<void> {
  await expectTables(db, names.flatMap(tablesWithHistory), what);
  // Chunked: SQLite caps a compound SELECT at 500 terms.
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    const rows = await db.query<{ plugin: string; total: unknown; finished: unknown; rolled_back: unknown }>(
      chunk
        .map((name) => `SELECT '${name}' AS plugin, COUNT(*) AS total, COUNT("finished_at") AS finished, COUNT("rolled_back_at") AS rolled_back FROM "${historyTableName(name)}"`)
        .join(' UNION ALL '),
    );
    for (const row of rows) {
      const [total, finished, rolledBack] = [Number(row.total), Number(row.finished), Number(row.rolled_back)];
      if (total !== migrationsPerPlugin || finished !== migrationsPerPlugin || rolledBack !== 0) {
        throw new BenchFailure(`${what}: ${historyTableName(row.plugin)} has ${total} row(s), ${finished} finished, ${rolledBack} rolled back; expected ${migrationsPerPlugin} finished`);
      }
    }
    if (rows.length !== chunk.length) throw new BenchFailure(`${what}: expected ${chunk.length} history counts, got ${rows.length}`);
  }
}

async function expectTables(db: TestDatabase, expected: string[], what: string): Promise<void> {
  const actual = await db.tables();
  const want = [...expected].sort();
  if (actual.length !== want.length || actual.some((name, i) => name !== want[i])) {
    const missing = want.filter((name) => !actual.includes(name));
    const extra = actual.filter((name) => !want.includes(name));
    throw new BenchFailure(`${what}: expected ${want.length} tables, found ${actual.length} (missing: ${missing.slice(0, 5).join(', ') || 'none'}; unexpected: ${extra.slice(0, 5).join(', ') || 'none'})`);
  }
}

function expectMigrations(project: TempProject, names: string[], count: number): void {
  const wrong = names.filter((name) => project.migrations(name).length !== count);
  if (wrong.length > 0) throw new BenchFailure(`expected ${count} migration(s) per plugin; ${wrong.slice(0, 5).join(', ')} ${wrong.length > 1 ? 'have' : 'has'} ${project.migrations(wrong[0]!).length}`);
}

function expectSuccess(what: string, run: ProcessRun): ProcessRun {
  if (run.exitCode !== 0) throw new BenchFailure(`${what} exited ${run.exitCode}:\n${run.stderr || run.stdout}`);
  return run;
}

function sumRuns(runs: ProcessRun[]): { wallMs: number; maxRssKiB: number | null } {
  const rss = runs.map((run) => run.maxRssKiB).filter((value): value is number => value !== null);
  return { wallMs: runs.reduce((sum, run) => sum + run.wallMs, 0), maxRssKiB: rss.length > 0 ? Math.max(...rss) : null };
}

function median<T extends { wallMs: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
}

/**
 * tsx caches what it transpiles; the first process after a change pays for that once. One
 * unmeasured generate + deploy fills the cache so N=1 is not charged for it.
 */
async function warmUp(): Promise<void> {
  const project = createTempProject('sqlite', { p001: syntheticPlugin('p001', false) });
  const db = await createTestDatabase('sqlite');
  try {
    expectSuccess('warm-up generate', await runOrchestrator(project.root, ['generate']));
    expectSuccess('warm-up deploy', await runOrchestrator(project.root, ['deploy'], { DATABASE_URL: db.url }));
  } finally {
    project.remove();
    await db.drop();
  }
}

/** What any orchestrator process pays before its command runs: node, tsx, the CLI's imports; and the built CLI. */
async function measureStartup(): Promise<StartupResult[]> {
  const cases: [string, () => Promise<ProcessRun>][] = [
    ['node -e 0', () => runNative('node', ['-e', '0'])],
    ['node --import tsx -e 0', () => runNative('node', ['--import', 'tsx', '-e', '0'])],
    ['orchestrator --help (entry loaded, no command)', () => runOrchestrator(REPO_ROOT, ['--help'])],
    ['built orchestrator --help (plain node)', () => runOrchestrator(REPO_ROOT, ['--help'], {}, 'built')],
  ];
  const rows: StartupResult[] = [];
  for (const [label, run] of cases) {
    const runs: ProcessRun[] = [];
    for (let i = 0; i < NOOP_RUNS; i++) runs.push(await run());
    const { wallMs, maxRssKiB } = median(runs);
    rows.push({ label, wallMs, maxRssKiB });
  }
  return rows;
}

/** The cli engine is measured only once it exists and the CLI offers it. */
async function detectCliEngine(): Promise<boolean> {
  if (!existsSync(path.join(REPO_ROOT, 'orchestrator/engine/cli-diff-engine.ts'))) return false;
  const help = await runOrchestrator(REPO_ROOT, ['generate', '--help']);
  return /--engine/.test(help.stdout);
}

async function describeMachine(providers: Provider[], withGnuTime: boolean): Promise<string> {
  const versions = [`node ${process.version}`, `${os.cpus().length} CPU(s)`, `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`, `load average ${loadAverage()} at start`];
  if (providers.includes('sqlite')) versions.push(`sqlite3 ${(await execa('sqlite3', ['--version'])).stdout.split(' ')[0]}`);
  if (providers.includes('postgresql')) {
    const server = await execa('psql', ['-X', '-At', '-c', 'SHOW server_version', POSTGRES_ADMIN_URL], { reject: false });
    versions.push(`PostgreSQL ${server.exitCode === 0 ? server.stdout.split(' ')[0] : '(unreachable)'}`);
  }
  return [
    `Orchestrator benchmark: sizes ${sizes.join(', ')}; providers ${providers.join(', ')}; CLI from source (node --import tsx) and built (node dist/orchestrator/index.mjs)`,
    `  ${versions.join(', ')}`,
    '  wall = spawn to exit of each process, including node (+ tsx) start-up',
    withGnuTime
      ? '  peak RSS = largest process of the tree (GNU time %M), at least the orchestrator\'s own maxRSS (preload)'
      : '  peak RSS = the orchestrator process\'s own maxRSS (preload); no GNU /usr/bin/time, so child CLIs, bare node and the floor clients read n/a (apt-get install time)',
  ].join('\n');
}

function loadAverage(): string {
  return (os.loadavg()[0] ?? 0).toFixed(2);
}
