#!/usr/bin/env -S npx tsx
/**
 * The CLI entry: `tsx orchestrator <command>`. Commands return text; only this file prints
 * errors and sets the exit code:
 *   0  success (status: everything applied)
 *   1  error: bad input, wrong credentials, failed migration (nothing half-applied)
 *   2  status: something is pending, failed, modified or missing; check: a migration was not
 *      generated; drift: a plugin's tables differ from its applied migrations (or cannot be judged)
 *   3  retrying may help: database unreachable, connection lost, lock wait timed out (the Docker entrypoint retries)
 */
import path from 'node:path';
import v8 from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveContext } from './context/command-context.ts';
import type { ProgressListener } from './context/progress-event.ts';
import type { DeployOptions } from './deploy/deploy-database.ts';
import type { TargetsVerdict } from './targets/targets-verdict.ts';
import { parseShard, type Shard } from './targets/shard.ts';
import type { GateReport } from './commands/gate-report.ts';
import type { ResolveFlags } from './commands/resolve.ts';
import type { RollbackTarget } from './rollback/choose-rollback.ts';
import { DIFF_ENGINE_KINDS, type DiffEngineKind } from './engine/diff-engine.ts';
import { describeDatabaseError } from './database/classify-database-error.ts';
import { OrchestratorError, RETRYABLE_CODES } from './errors.ts';
import { GRAPH_FORMATS, type GraphFormat } from './graph/graph-format.ts';

// Commands are imported when they run: a container start (deploy) should not load the diff
// engines, execa or the Prisma CLI wrapper that generate and client need.

const EXIT_ERROR = 1;
const EXIT_NOT_UP_TO_DATE = 2;
const EXIT_RETRYABLE = 3;

const program = new Command('orchestrator')
  .description('Per-plugin Prisma migrations for one shared database: each plugin owns its tables and its own history table.')
  .option('-p, --project <dir>', 'project root holding plugins/ and prisma-templates/', process.env.ORCHESTRATOR_PROJECT ?? process.cwd())
  .option('--verbose', 'print stack traces and causes of errors', false)
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Environment:
  DATABASE_URL           database for deploy/status: file:./data/app.db (default) or
                         postgresql://user:pass@host:5432/db[?schema=tenant&connect_timeout=10]
  ORCHESTRATOR_PROVIDER  provider migrations are generated for: sqlite (default) or postgresql
  ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS    PostgreSQL connect timeout (default 10)
  ORCHESTRATOR_LOCK_TIMEOUT               see deploy --lock-timeout (default 300)
  ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS     SQLite wait for another writer, unless --lock-timeout is given (default 60000)
  ORCHESTRATOR_ROLE_PREFIX                PostgreSQL plugin roles (roles, deploy --manage-roles) are
                                          <prefix><plugin> (default plugin_); SQLite has no roles
  SHADOW_DATABASE_URL                     PostgreSQL scratch database into which generate replays
                                          migrations that have no snapshot (in a temporary schema,
                                          dropped after); unset: an embedded PGlite

Exit codes: 0 success; 1 error (nothing half-applied); 2 status found pending, failed,
modified or missing migrations, check found models changed without a migration, or drift
found (or could not judge) a difference; 3 retrying may help (database unreachable,
connection lost, lock wait timed out).`,
  );

/** For options that may be given more than once. */
const collect = (value: string, previous: string[]) => [...previous, value];

function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more.');
  return parsed;
}

/**
 * Deploy (every container start) runs Prisma's WebAssembly schema parser a few times per plugin,
 * for the ownership check. V8 would also recompile its hot functions with its optimizing tier in
 * the background: ~40 MB of peak memory and more CPU than so short a run gets back (measured on a
 * fresh SQLite deploy of 10 plugins: 117 MB, 0.52 s; baseline compiler only: 77 MB, 0.27 s).
 * Set before any WebAssembly module is compiled; generate, which parses and diffs far more, keeps
 * the optimizing tier.
 */
function baselineWasmOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/** The command's inputs as the API takes them, with the task list as its progress display. */
async function context(plugins: string[]) {
  // listr2 loads with the first event: status and a deploy with nothing pending never draw a task.
  let display: ProgressListener | undefined;
  const onProgress: ProgressListener = async (event) => (display ??= (await import('./ui/run-tasks.ts')).taskDisplay())(event);
  const { confirmDataLoss } = await import('./ui/confirm.ts');
  return resolveContext({ projectDir: path.resolve(program.opts<{ project: string }>().project), plugins, onProgress, confirm: confirmDataLoss });
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || parsed < 1) throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return parsed;
}

/** A many-target run's exit code: 1 if any target failed for good, 3 if every failure may pass on a retry, 2 (status) if some target has work left. */
const VERDICT_EXIT_CODES: Record<TargetsVerdict, number> = { ok: 0, 'not-up-to-date': EXIT_NOT_UP_TO_DATE, failed: EXIT_ERROR, retryable: EXIT_RETRYABLE };

/** A many-target report on stdout, and its verdict as the exit code. */
function printTargetsReport(report: { text: string; verdict: TargetsVerdict }): void {
  console.log(report.text);
  process.exitCode = VERDICT_EXIT_CODES[report.verdict];
}

interface TargetsCliOptions {
  targets?: string;
  concurrency?: number;
  failFast?: boolean;
  shard?: Shard;
  json?: boolean;
}

const TARGETS_HELP = `
Many databases or tenant schemas (--targets):
  The file lists one URL per line (# starts a comment), or is a JSON array of URLs; a schema per
  tenant is postgresql://…/app?schema=tenant_a. Each target is deployed under its own lock; a
  failing target is reported and the others go on. Exit 0 when all succeeded, 3 when every
  failure may pass on a retry, else 1. --shard i/N takes the targets whose URL hashes to i
  (stable when the list grows), e.g. --shard "$JOB_COMPLETION_INDEX/4" in a Kubernetes Indexed Job.`;

/** Prints the report of a command CI gates on (status, check, drift): exit 2 when it did not pass. */
function printGate(report: GateReport): void {
  console.log(report.text);
  if (!report.passed) process.exitCode = EXIT_NOT_UP_TO_DATE;
}

program
  .command('generate')
  .description("write a migration for each plugin whose models changed since its latest migration (needs no database)")
  .argument('[plugins...]', 'plugins to generate for (default: all)')
  .option('-n, --name <message>', 'migration name, as in <timestamp>_<name> (default: init, then update)')
  .addOption(new Option('--engine <kind>', 'wasm: Prisma\'s engine in this process; cli: `prisma migrate diff` per plugin').choices(DIFF_ENGINE_KINDS).default('wasm'))
  .option('--client', 'also generate each plugin\'s Prisma Client (see the client command)')
  .option('--snapshot-only', 'write no migration: only the snapshot.prisma of plugins whose migrations (written by hand) have none, derived by replaying them')
  .option('--accept-data-loss', 'write a migration that drops a table or column, changes a column type, adds a required column without a default or rebuilds a SQLite table, without asking (otherwise a terminal asks, and anywhere else it is refused: CONFIRMATION_REQUIRED); with DATABASE_URL set the warning counts the rows at stake (read only)')
  .action(async (plugins: string[], options: { name?: string; engine: DiffEngineKind; client?: boolean; snapshotOnly?: boolean; acceptDataLoss?: boolean }) => {
    const { generateCommand } = await import('./commands/generate.ts');
    console.log(await generateCommand(await context(plugins), { ...options, countRows: Boolean(process.env.DATABASE_URL) }));
  });

program
  .command('client')
  .description("generate each plugin's Prisma Client from its isolated schema, into plugins/<name>/generated/client (needs no database)")
  .argument('[plugins...]', 'plugins to generate clients for (default: all)')
  .action(async (plugins: string[]) => {
    const { clientCommand } = await import('./commands/client.ts');
    console.log(await clientCommand(await context(plugins)));
  });

program
  .command('deploy')
  .description('apply pending migrations to DATABASE_URL, each step together with its history progress')
  .argument('[plugins...]', 'plugins to deploy (default: all)')
  .option('--lock-timeout <seconds>', 'how long to wait for another deploy: of the same schema on PostgreSQL (default 300), for the write lock on SQLite (default ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS); env ORCHESTRATOR_LOCK_TIMEOUT; 0 fails at once; exit 3 when it runs out', seconds)
  .option('--single-transaction', 'every pending migration in one transaction: all applied, or none (holds its locks for the whole run); refused for migrations that must run outside a transaction')
  .option('--manage-roles', 'PostgreSQL only (SQLite has no roles): sync one role per plugin first (see the roles command), then run each plugin\'s migrations as its role (SET LOCAL ROLE), so the database itself refuses a migration that touches another plugin\'s tables')
  .option('--role-prefix <prefix>', 'with --manage-roles: role names are <prefix><plugin> (default plugin_; env ORCHESTRATOR_ROLE_PREFIX)')
  .option('--references-only', 'with --manage-roles: a plugin gets REFERENCES on its dependencies\' tables, without SELECT')
  .option('--accept-missing <plugin/migration>', 'an applied migration was deleted on purpose: stop counting it (MIGRATION_MISSING)', collect, [])
  .option('--accept-renamed <plugin/migration>', 'an applied migration was renamed to this: record the new name, run nothing (MIGRATION_RENAMED)', collect, [])
  .option('--accept-modified <plugin/migration>', 'an applied migration was edited harmlessly: record its new checksum, run nothing (MIGRATION_MODIFIED)', collect, [])
  .option('--accept-out-of-order <plugin/migration>', 'apply this migration although newer ones are applied (MIGRATION_OUT_OF_ORDER)', collect, [])
  .option('--accept-removed-plugin <plugin>', 'deploy although this removed plugin\'s history table remains (PLUGIN_REMOVED)', collect, [])
  .option('--mark-step-applied <plugin/migration>', 'you finished its interrupted step by hand: count it and go on (MIGRATION_INTERRUPTED)', collect, [])
  .option('--rerun-step <plugin/migration>', 'you undid its interrupted step: run it again (MIGRATION_INTERRUPTED)', collect, [])
  .option('--targets <file>', 'deploy to every database URL in this file instead of DATABASE_URL (one per line, or a JSON array)')
  .option('--concurrency <n>', 'with --targets: how many targets deploy at once (default 4)', wholeNumber)
  .option('--fail-fast', 'with --targets: after the first failed target, start no new one')
  .option('--shard <i/N>', 'with --targets: deploy only shard i (0-based) of N', parseShard)
  .option('--dry-run', 'run every check deploy runs, then print the SQL it would send (transaction boundaries and history writes included); change nothing')
  .option('--json', 'with --targets: print the per-target report as JSON; with --dry-run: the statements')
  .addHelpText('after', TARGETS_HELP)
  .action(async (plugins: string[], options: DeployOptions & TargetsCliOptions & { dryRun?: boolean }) => {
    if (options.targets !== undefined) {
      if (options.dryRun) throw new OrchestratorError('CONFIG_INVALID', 'deploy --dry-run previews one database; it cannot be combined with --targets. Nothing was run.', { fix: 'Preview one target: DATABASE_URL=<url> deploy --dry-run.' });
      const { deployTargetsCommand } = await import('./commands/deploy-targets.ts');
      printTargetsReport(await deployTargetsCommand((await context(plugins)).project, plugins, { ...options, targets: options.targets }));
      return;
    }
    refuseTargetOptions(options, options.dryRun ? ['concurrency', 'failFast', 'shard'] : ['concurrency', 'failFast', 'shard', 'json']);
    baselineWasmOnly();
    const { deployCommand } = await import('./commands/deploy.ts');
    console.log(await deployCommand(await context(plugins), options));
  });

program
  .command('rollback')
  .description("undo a plugin's newest applied migration(s) with their down.sql, newest first, each together with its history row (kept, marked rolled back); loses data")
  .argument('<plugin>', 'the plugin to roll back')
  .addOption(new Option('--to <migration>', 'undo every applied migration after this one (it stays applied)').conflicts('steps'))
  .addOption(new Option('--steps <n>', 'undo the newest n applied migrations (default 1)').argParser(wholeNumber))
  .option('-y, --yes', 'confirm the data loss without asking (scripts, CI)')
  .option('--json', 'print machine-readable JSON')
  .addHelpText('after', `
Refuses, changing nothing, when a migration to undo has no down.sql, its down.sql touches another
plugin's objects, or it would drop a table that another plugin's foreign keys reference (roll that
plugin back first). Off a terminal it needs --yes. Exit codes: 0 rolled back (or nothing to do), 1 refused or failed.`)
  .action(async (plugin: string, options: RollbackTarget & { yes?: boolean; json?: boolean }) => {
    const { rollbackCommand } = await import('./commands/rollback.ts');
    console.log(await rollbackCommand(await context([]), { ...options, plugin }));
  });

program
  .command('resolve')
  .description("settle a failed or half-applied migration, keeping its attempt in the history (as prisma migrate resolve)")
  .argument('<plugin>', 'the plugin')
  .argument('<migration>', 'the failed migration (folder name)')
  .option('--applied', 'you finished it by hand: record it as applied without running it; deploy skips it')
  .option('--rolled-back', 'you undid what it left: mark the attempt rolled back; deploy runs it again from its first step')
  .option('--json', 'print machine-readable JSON')
  .addHelpText('after', `
Refuses, changing nothing, a migration that has not failed (applied, or never tried).
Exit codes: 0 recorded (or nothing to record), 1 refused.`)
  .action(async (plugin: string, migration: string, options: ResolveFlags) => {
    const { resolveCommand } = await import('./commands/resolve.ts');
    console.log(await resolveCommand(await context([]), plugin, migration, options));
  });

program
  .command('roles')
  .description('PostgreSQL only: one NOLOGIN role per plugin that owns its tables, enums and sequences, with SELECT and REFERENCES on the tables of the plugins it depends on and nothing else; creates, hands over, grants and revokes until that holds (idempotent)')
  .option('--role-prefix <prefix>', 'role names are <prefix><plugin> (default plugin_; env ORCHESTRATOR_ROLE_PREFIX)')
  .option('--references-only', 'REFERENCES on the dependencies\' tables, without SELECT (a plugin may point foreign keys at them, not read them)')
  .addOption(new Option('--json', 'print machine-readable JSON: the roles and every change made'))
  .addHelpText(
    'after',
    `
The user of DATABASE_URL needs CREATEROLE (or superuser) to create the roles and to become a
member of each (deploy --manage-roles runs migrations with SET LOCAL ROLE), membership in the
current owners of the plugins' tables, and the grant option on the schema; a missing one is
named and nothing is changed. Run time: connect each plugin's Prisma Client as a login role
that is a member of its plugin role (README, "A PostgreSQL role per plugin").

SQLite has no roles: this command refuses there (ROLES_UNSUPPORTED), and deploy's SQL check
of each migration remains the guard between plugins.`,
  )
  .action(async (options: { rolePrefix?: string; referencesOnly?: boolean; json?: boolean }) => {
    const { rolesCommand } = await import('./commands/roles.ts');
    console.log(await rolesCommand(await context([]), options));
  });

program
  .command('sql')
  .description("print the SQL deploy would run for one plugin, with its transaction boundaries: a named migration from disk (no database), else the plugin's pending migrations on DATABASE_URL")
  .argument('<plugin>', 'the plugin')
  .argument('[migration]', 'one migration folder name (default: every pending one, read from DATABASE_URL)')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .action(async (plugin: string, migration: string | undefined, options: { json?: boolean }) => {
    const { sqlCommand } = await import('./commands/sql.ts');
    console.log(await sqlCommand(await context([]), { ...options, plugin, ...(migration !== undefined ? { migration } : {}) }));
  });

program
  .command('status')
  .description('show applied, pending, failed and modified migrations per plugin; exit 2 unless all are applied')
  .argument('[plugins...]', 'plugins to report (default: all)')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .option('--targets <file>', 'report every database URL in this file instead of DATABASE_URL (one per line, or a JSON array)')
  .option('--concurrency <n>', 'with --targets: how many targets are read at once (default 4)', wholeNumber)
  .option('--shard <i/N>', 'with --targets: report only shard i (0-based) of N', parseShard)
  .addHelpText('after', '\nWith --targets: exit 1 when a target cannot be read (3 when every such failure may pass on a retry),\nelse 2 when any target is not up to date. See deploy --help for the file and --shard.')
  .action(async (plugins: string[], options: TargetsCliOptions) => {
    if (options.targets !== undefined) {
      const { statusTargetsCommand } = await import('./commands/status-targets.ts');
      printTargetsReport(await statusTargetsCommand((await context(plugins)).project, plugins, { ...options, targets: options.targets }));
      return;
    }
    refuseTargetOptions(options, ['concurrency', 'shard']);
    const { statusCommand } = await import('./commands/status.ts');
    const report = await statusCommand(await context(plugins), options);
    printGate({ passed: report.upToDate, text: report.text });
  });

program
  .command('check')
  .description('CI gate: exit 2 when a plugin\'s models changed but no migration was generated (writes nothing, needs no database)')
  .argument('[plugins...]', 'plugins to check (default: all)')
  .addOption(new Option('--json', 'print machine-readable JSON, with the SQL generate would write'))
  .addHelpText('after', `
Runs generate's planning (the same schemas, engine and checks) and writes nothing. Prints
each plugin for which generate would write a migration, with one line per statement.

Exit codes: 0 every plugin matches its latest migration; 2 a migration is missing; 1 error
(e.g. an invalid schema, or a change generate refuses).`)
  .action(async (plugins: string[], options: { json?: boolean }) => {
    const { checkCommand } = await import('./commands/check.ts');
    printGate(await checkCommand(await context(plugins), options));
  });

program
  .command('drift')
  .description("compare each plugin's own tables and enums in DATABASE_URL with what its applied migrations leave, and print the SQL difference; writes nothing; exit 2 on drift")
  .argument('[plugins...]', 'plugins to check (default: all)')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .addHelpText('after', `
Only each plugin's own objects are compared: other plugins' tables, history tables and the
application's own tables are left out. The expected state is the snapshot.prisma of the newest
applied migration (pending migrations do not count). The database is opened read-only.

Exit codes: 0 no drift; 2 drift found, or a plugin could not be judged (a half-applied
migration, migrations without any snapshot.prisma); 1 error.`)
  .action(async (plugins: string[], options: { json?: boolean }) => {
    const { driftCommand } = await import('./commands/drift.ts');
    printGate(await driftCommand(await context(plugins), options));
  });

program
  .command('baseline')
  .description("adopt a database that already holds a plugin's tables: verify they match its migrations, then record those as applied without running them")
  .argument('<plugin>', 'the plugin whose tables already exist')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .addHelpText('after', `
The plugin's own tables and enums in DATABASE_URL are compared, as drift compares them, with
the snapshot.prisma of its newest migration. When they match, every migration not yet applied
gets a history row (finished, with the plugin's version and a note that baseline recorded it)
in one transaction, and nothing else runs. When they differ, nothing is written, and the error
(BASELINE_MISMATCH, exit 1) prints the SQL that tells them apart.`)
  .action(async (plugin: string, options: { json?: boolean }) => {
    const { baselineCommand } = await import('./commands/baseline.ts');
    console.log(await baselineCommand(await context([]), { ...options, plugin }));
  });

program
  .command('uninstall')
  .description("drop everything a plugin owns in DATABASE_URL (its tables, enums, join tables and history table) in one transaction; refused while an installed plugin depends on it")
  .argument('<plugin>', 'the plugin to remove from the database (it may already be gone from plugins/)')
  .option('-y, --yes', 'do not ask: confirm the data loss (needed off a terminal, e.g. in CI)')
  .option('--role-prefix <prefix>', 'PostgreSQL: the plugin\'s role <prefix><plugin> is dropped with its tables, if it exists (default plugin_; env ORCHESTRATOR_ROLE_PREFIX); SQLite has no roles')
  .addOption(new Option('--json', 'print what was dropped as JSON'))
  .action(async (plugin: string, options: { yes?: boolean; rolePrefix?: string; json?: boolean }) => {
    const { uninstallCommand } = await import('./commands/uninstall.ts');
    console.log(await uninstallCommand(await context([]), { ...options, plugin }));
  });

program
  .command('rename')
  .description("rename a plugin: its folder (plugins/<old> → plugins/<new>, manifests updated) and its history table in DATABASE_URL, so it is not installed again from scratch")
  .argument('<old>', 'the current name (its folder may already be renamed: then only the database and manifests change)')
  .argument('<new>', 'the new name; refused when a plugin of that name exists')
  .option('--role-prefix <prefix>', 'PostgreSQL: when the role <prefix><old> exists, the plugin\'s objects go to a new role <prefix><new> and the old one is dropped (default plugin_; env ORCHESTRATOR_ROLE_PREFIX); SQLite has no roles')
  .addOption(new Option('--json', 'print what was renamed as JSON'))
  .action(async (from: string, to: string, options: { rolePrefix?: string; json?: boolean }) => {
    const { renameCommand } = await import('./commands/rename.ts');
    console.log(await renameCommand(await context([]), { ...options, from, to }));
  });

program
  .command('squash')
  .description("replace a plugin's migrations with one that creates the schema they leave behind; databases that applied them all record it without running it (needs no database)")
  .argument('<plugin>', 'the plugin whose migrations to squash')
  .option('-n, --name <message>', 'migration name, as in <timestamp>_<name> (default: squashed)')
  .addOption(new Option('--engine <kind>', 'as for generate').choices(DIFF_ENGINE_KINDS).default('wasm'))
  .addOption(new Option('--json', 'print the result as JSON'))
  .action(async (plugin: string, options: { name?: string; engine: DiffEngineKind; json?: boolean }) => {
    const { squashCommand } = await import('./commands/squash.ts');
    console.log(await squashCommand(await context([]), { ...options, plugin }));
  });

program
  .command('graph')
  .description('print the plugins, their dependencies and the tables each owns, as a Mermaid flowchart or a Graphviz digraph (needs no database)')
  .argument('[plugins...]', 'plugins to show (default: all)')
  .addOption(new Option('--format <format>', 'mermaid (for Markdown) or dot (for Graphviz: dot -Tsvg)').choices(GRAPH_FORMATS).default('mermaid'))
  .option('--json', 'print the plugins, their dependencies, tables and enums as JSON instead')
  .action(async (plugins: string[], options: { format: GraphFormat; json?: boolean }) => {
    const { graphCommand } = await import('./commands/graph.ts');
    console.log(await graphCommand(await context(plugins), options));
  });

/** Options that only mean something with --targets are refused without it, rather than ignored. */
function refuseTargetOptions(options: TargetsCliOptions, names: (keyof TargetsCliOptions)[]): void {
  const given = names.filter((name) => options[name] !== undefined);
  if (given.length === 0) return;
  const flags = given.map((name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
  throw new OrchestratorError('CONFIG_INVALID', `${flags.join(', ')} ${flags.length === 1 ? 'applies' : 'apply'} only to a deploy or status of many targets, and no --targets file was given.`, {
    fix: 'Add --targets <file> listing the database URLs, or drop these options to use DATABASE_URL.',
  });
}

try {
  await program.parseAsync();
} catch (error) {
  const verbose = program.opts<{ verbose: boolean }>().verbose || Boolean(process.env.DEBUG);
  if (error instanceof OrchestratorError) {
    console.error(`Error [${error.code}]: ${error.describe()}`);
    if (verbose && error.cause) console.error(error.cause);
    process.exitCode = RETRYABLE_CODES.has(error.code) ? EXIT_RETRYABLE : EXIT_ERROR;
  } else if (verbose) {
    console.error(error);
    process.exitCode = EXIT_ERROR;
  } else {
    // Not an error the orchestrator knows: one line, and the way to the detail a bug report needs.
    console.error(`Error: ${describeDatabaseError(error)}\nThis is unexpected; run again with --verbose for the stack trace, and report it if it looks like a bug.`);
    process.exitCode = EXIT_ERROR;
  }
}
