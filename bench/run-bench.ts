/**
 * `npm run bench [-- --sizes 1,10,50,200,1000 --providers sqlite,postgresql --rounds 3 --tenants 50]`
 * (`npm run bench -- --help` lists the options).
 *
 * Builds N synthetic plugins and times generate, deploy and a no-op deploy as whole processes,
 * side by side in the same run: against the floor (the database's own client applying the same
 * SQL in one transaction, also with the history bookkeeping), against the official `prisma
 * migrate deploy` of the same tables as one monolithic schema, and against one process per
 * plugin. Deploys run from source through tsx, built (`npm run build`, what the Docker image
 * runs), and built with --single-transaction; with `deploy --targets` in the CLI, one plugin
 * set also goes to many tenant schemas at concurrency 1 and 8. Prints wall time and peak RSS
 * per phase and N, the ratios, and PASS/MISS per target of issue 14. Exits 1 only when a
 * program fails or leaves the database wrong; a missed target is a finding, not a failure.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { Provider } from '../orchestrator/config/provider.ts';
import { historyTableName } from '../orchestrator/plugins/plugin.ts';
import { REPO_ROOT, createTempProject, type PluginFixture, type TempProject } from '../test/support/temp-project.ts';
import { POSTGRES_ADMIN_URL, createTestDatabase, type TestDatabase } from '../test/support/test-databases.ts';
import { USAGE, parseBenchOptions, type BenchOptions } from './bench-options.ts';
import { applyFloor, writeFloorFiles } from './floors.ts';
import { detectGnuTime, median, prepareBuiltCli, removeRssScratch, runNative, runOrchestrator, type OrchestratorCli, type ProcessRun } from './measure-process.ts';
import { createPrismaMonolith, runPrismaMigrateDeploy, type PrismaMonolith } from './prisma-baseline.ts';
import { Results, evaluateTargets, formatTable, type PhaseId, type PhaseResult, type StartupResult, type TenantResult } from './print-results.ts';
import { TABLES_PER_PLUGIN, pluginNames, syntheticPlugin } from './synthetic-plugins.ts';
import { benchTenants } from './tenant-deploy.ts';

/** Above this, one process per plugin only repeats what N=10 shows, at minutes of runtime. */
const PER_PLUGIN_MAX_SIZE = 10;
/** tsx only adds its start-up to generate (the start-up rows show it); at N=1000 that second generate costs minutes. */
const TSX_GENERATE_MAX_SIZE = 200;
/** Start-up rows: cheap, so always a median of 3. */
const STARTUP_RUNS = 3;
const CLIS: OrchestratorCli[] = ['tsx', 'built'];
const DEPLOY_FRESH: Record<OrchestratorCli, PhaseId> = { tsx: 'deploy-fresh', built: 'deploy-fresh-built' };
const DEPLOY_NOOP: Record<OrchestratorCli, PhaseId> = { tsx: 'deploy-noop', built: 'deploy-noop-built' };
const GENERATE: Record<OrchestratorCli, [PhaseId, PhaseId]> = { tsx: ['generate-init', 'generate-update'], built: ['generate-init-built', 'generate-update-built'] };

class BenchFailure extends Error {}

let options: BenchOptions;
try {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
const { sizes, providers } = options;

const results = new Results();
const benchStarted = performance.now();
let exitCode = 0;
try {
  const withGnuTime = await detectGnuTime();
  const cliEngine = await detectCliEngine();
  const builtEntry = await prepareBuiltCli();
  // The Prisma CLI's engine: the built launcher, plain node (the same build the orchestrator's CLI uses).
  const engineLauncher = path.join(path.dirname(builtEntry), 'schema-engine-launcher.mjs');
  console.log(await describeMachine(providers, withGnuTime));
  await warmUp();
  const startup = await measureStartup();
  for (const provider of providers) {
    for (const size of sizes) {
      const started = performance.now();
      await benchOne(provider, size, { cliEngine, engineLauncher });
      // Another process competing for the 2 cores shows up here, not in the numbers' labels.
      console.log(`  done: ${provider} N=${size} in ${((performance.now() - started) / 1000).toFixed(1)} s (load average ${loadAverage()})`);
    }
  }
  let tenants: TenantResult | undefined;
  if (options.tenants > 0 && providers.includes('postgresql')) {
    const started = performance.now();
    tenants = await benchTenants({ plugins: options.tenantPlugins, tenants: options.tenants, rounds: options.rounds });
    console.log(`  done: ${options.tenants} tenant schemas in ${((performance.now() - started) / 1000).toFixed(1)} s (load average ${loadAverage()})`);
  }
  console.log(`\n${formatTable(results, providers, sizes, startup, tenants)}\n`);
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
async function benchOne(provider: Provider, size: number, env: { cliEngine: boolean; engineLauncher: string }): Promise<void> {
  const names = pluginNames(size);
  const fixtures = (withExtraColumn: boolean): Record<string, PluginFixture> => Object.fromEntries(names.map((name) => [name, syntheticPlugin(name, withExtraColumn)]));
  const record = (phase: PhaseId, run: PhaseResult) => results.set(provider, phase, size, run);
  const projects: TempProject[] = [];
  const databases: TestDatabase[] = [];
  let monolith: PrismaMonolith | undefined;
  const newProject = () => {
    const project = createTempProject(provider, fixtures(false));
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
    // Each CLI generates the same two migrations per plugin in a project of its own; deploys use the built CLI's.
    let project: TempProject | undefined;
    for (const cli of CLIS.filter((cli) => cli === 'built' || size <= TSX_GENERATE_MAX_SIZE)) {
      const [init, update] = GENERATE[cli];
      const generated = newProject();
      record(init, expectSuccess(`generate with the ${cli} CLI (${provider}, N=${size})`, await runOrchestrator(generated.root, ['generate'], {}, cli)));
      expectMigrations(generated, names, 1);
      for (const name of names) generated.writePlugin(name, syntheticPlugin(name, true));
      record(update, expectSuccess(`second generate with the ${cli} CLI (${provider}, N=${size})`, await runOrchestrator(generated.root, ['generate'], {}, cli)));
      expectMigrations(generated, names, 2);
      if (cli === 'built') project = generated;
    }
    if (!project) throw new Error('the built CLI generated no project');

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

    monolith = await createPrismaMonolith(provider, fixtures(false), fixtures(true));
    const floors = writeFloorFiles(project, names, provider);
    const samples = new Map<PhaseId, ProcessRun[]>();
    const sample = (phase: PhaseId, run: ProcessRun) => samples.set(phase, [...(samples.get(phase) ?? []), run]);
    // Phases that hit a limit of the server (not a bug) are shown as errors and not run again.
    const outOfReach = new Map<PhaseId, string>();
    /** Samples a successful run; true when the database is worth checking. */
    const attempt = (phase: PhaseId, what: string, run: ProcessRun): boolean => {
      const limit = run.exitCode === 0 ? undefined : serverLimit(phase, run);
      if (limit === undefined) {
        sample(phase, expectSuccess(what, run));
        return true;
      }
      outOfReach.set(phase, limit);
      console.log(`  ${what}: ${limit}; shown as an error`);
      return false;
    };
    const deploys: [PhaseId, OrchestratorCli, string[]][] = [
      ...CLIS.map((cli): [PhaseId, OrchestratorCli, string[]] => [DEPLOY_FRESH[cli], cli, ['deploy']]),
      ['deploy-fresh-single-tx', 'built', ['deploy', '--single-transaction']],
    ];
    let deployed: TestDatabase | undefined;
    let prismaDeployed: TestDatabase | undefined;
    for (let round = 0; round < options.rounds; round++) {
      for (const floor of floors.filter(({ id }) => !outOfReach.has(id))) {
        const db = await newDatabase();
        const what = `${floor.id} (${provider}, N=${size})`;
        if (attempt(floor.id, what, await applyFloor(db, floor))) await expectTables(db, names.flatMap(floor.id === 'floor' ? pluginTables : tablesWithHistory), what);
        await dropDatabase(db);
      }
      for (const [phase, cli, args] of deploys.filter(([phase]) => !outOfReach.has(phase))) {
        const db = await newDatabase();
        const what = `${args.join(' ')} with the ${cli} CLI (${provider}, N=${size})`;
        if (attempt(phase, what, await runOrchestrator(project.root, args, { DATABASE_URL: db.url }, cli))) await verifyDeployed(db, names, 2, what);
        // The built CLI's plain deploy leaves the database the no-op deploys run against.
        if (phase !== 'deploy-fresh-built') await dropDatabase(db);
        else {
          if (deployed) await dropDatabase(deployed);
          deployed = db;
        }
      }
      if (!outOfReach.has('prisma-deploy-fresh')) {
        const db = await newDatabase();
        const what = `prisma migrate deploy (${provider}, N=${size})`;
        if (attempt('prisma-deploy-fresh', what, await runPrismaMigrateDeploy(monolith, db.url, env.engineLauncher))) {
          await verifyPrismaDeployed(db, names, monolith, what);
          if (prismaDeployed) await dropDatabase(prismaDeployed);
          prismaDeployed = db;
        } else await dropDatabase(db);
      }
    }
    if (!prismaDeployed) outOfReach.set('prisma-deploy-noop', 'no database that prisma migrate deploy completed');
    for (const [phase, runs] of samples) record(phase, median(runs));
    for (const [phase, error] of outOfReach) record(phase, { wallMs: 0, maxRssKiB: null, error });

    const noops = new Map<PhaseId, ProcessRun[]>();
    const noop = (phase: PhaseId, run: ProcessRun) => noops.set(phase, [...(noops.get(phase) ?? []), run]);
    for (let i = 0; i < options.rounds; i++) {
      for (const cli of CLIS) {
        const what = `no-op deploy with the ${cli} CLI (${provider}, N=${size})`;
        const run = expectSuccess(what, await runOrchestrator(project.root, ['deploy'], { DATABASE_URL: deployed!.url }, cli));
        if (!/Nothing to deploy/.test(run.stdout)) throw new BenchFailure(`${what} applied something:\n${run.stdout}`);
        noop(DEPLOY_NOOP[cli], run);
      }
      if (!prismaDeployed) continue;
      const what = `no-op prisma migrate deploy (${provider}, N=${size})`;
      const run = expectSuccess(what, await runPrismaMigrateDeploy(monolith, prismaDeployed.url, env.engineLauncher));
      if (!/No pending migrations to apply/.test(run.stdout)) throw new BenchFailure(`${what} applied something:\n${run.stdout}`);
      noop('prisma-deploy-noop', run);
    }
    for (const [phase, runs] of noops) record(phase, median(runs));
    await verifyDeployed(deployed!, names, 2, `no-op deploys (${provider}, N=${size})`);
    if (prismaDeployed) await verifyPrismaDeployed(prismaDeployed, names, monolith, `no-op prisma migrate deploy (${provider}, N=${size})`);
  } finally {
    for (const db of databases) await db.drop().catch((error: unknown) => console.error(`could not drop a bench database: ${String(error)}`));
    for (const project of projects) project.remove();
    monolith?.remove();
  }
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

/** The same 3N tables, Prisma's one history table, and both monolith migrations finished in it. */
async function verifyPrismaDeployed(db: TestDatabase, names: string[], monolith: PrismaMonolith, what: string): Promise<void> {
  await expectTables(db, [...names.flatMap(pluginTables), '_prisma_migrations'], what);
  const rows = await db.query<{ migration_name: string }>('SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL ORDER BY "migration_name"');
  const applied = rows.map((row) => row.migration_name);
  if (applied.join() !== monolith.migrations.join()) throw new BenchFailure(`${what}: _prisma_migrations lists ${applied.join(', ') || 'nothing'} as finished; expected ${monolith.migrations.join(', ')}`);
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

/**
 * PostgreSQL locks every table a transaction creates until it ends, in a lock table sized by
 * max_locks_per_transaction (64 x max_connections by default): one transaction creating a few
 * thousand tables runs out of it. The floors (psql -1), --single-transaction and Prisma's
 * one-migration init hit that at N=1000; it is the server's limit, reported as such. Any other
 * failure is a failure of the bench.
 */
function serverLimit(phase: PhaseId, run: ProcessRun): string | undefined {
  const inOneTransaction: PhaseId[] = ['floor', 'floor-with-history', 'deploy-fresh-single-tx', 'prisma-deploy-fresh'];
  if (!inOneTransaction.includes(phase) || !/out of shared memory/.test(`${run.stderr}\n${run.stdout}`)) return undefined;
  return 'out of shared memory: one transaction takes more locks than max_locks_per_transaction allows';
}

function expectSuccess(what: string, run: ProcessRun): ProcessRun {
  if (run.exitCode !== 0) throw new BenchFailure(`${what} exited ${run.exitCode}:\n${run.stderr || run.stdout}`);
  return run;
}

function sumRuns(runs: ProcessRun[]): { wallMs: number; maxRssKiB: number | null } {
  const rss = runs.map((run) => run.maxRssKiB).filter((value): value is number => value !== null);
  return { wallMs: runs.reduce((sum, run) => sum + run.wallMs, 0), maxRssKiB: rss.length > 0 ? Math.max(...rss) : null };
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
    ['node -e 0', () => runNative(process.execPath, ['-e', '0'])],
    ['node --import tsx -e 0', () => runNative(process.execPath, ['--import', 'tsx', '-e', '0'])],
    ['orchestrator --help (entry loaded, no command)', () => runOrchestrator(REPO_ROOT, ['--help'])],
    ['built orchestrator --help (plain node)', () => runOrchestrator(REPO_ROOT, ['--help'], {}, 'built')],
  ];
  const rows: StartupResult[] = [];
  for (const [label, run] of cases) {
    const runs: ProcessRun[] = [];
    for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await run());
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
    `Orchestrator benchmark: sizes ${sizes.join(', ')}; providers ${providers.join(', ')}; ${options.rounds} round(s); CLI from source (node --import tsx) and built (node dist/orchestrator/index.mjs)`,
    `  ${versions.join(', ')}`,
    '  wall = spawn to exit of each process, including node (+ tsx) start-up',
    '  prisma migrate deploy = the official CLI (prisma 7.10.0) with the built WebAssembly engine launcher, of the same tables as one schema in 2 migrations',
    withGnuTime
      ? '  peak RSS = the larger of the largest single process (GNU time %M, the orchestrator\'s own maxRSS) and the process tree\'s sum sampled every 20 ms'
      : '  peak RSS = the larger of the orchestrator\'s own maxRSS (preload) and the process tree\'s sum sampled every 20 ms from /proc (no GNU /usr/bin/time: apt-get install time)',
  ].join('\n');
}

function loadAverage(): string {
  return (os.loadavg()[0] ?? 0).toFixed(2);
}
