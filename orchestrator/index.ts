#!/usr/bin/env -S npx tsx
/**
 * The CLI entry: `tsx orchestrator <command>`. Commands return text; only this file prints
 * errors and sets the exit code:
 *   0  success (status: everything applied)
 *   1  error: bad input, wrong credentials, failed migration (nothing half-applied)
 *   2  status only: something is pending, failed, modified or missing
 *   3  retrying may help: database unreachable, connection lost, lock wait timed out (the Docker entrypoint retries)
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadProject } from './config/load-project.ts';
import type { DeployOptions } from './commands/deploy.ts';
import { DIFF_ENGINE_KINDS, type DiffEngineKind } from './engine/diff-engine.ts';
import { describeDatabaseError } from './database/classify-database-error.ts';
import { OrchestratorError, RETRYABLE_CODES } from './errors.ts';

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
  SHADOW_DATABASE_URL                     PostgreSQL scratch database into which generate replays
                                          migrations that have no snapshot (in a temporary schema,
                                          dropped after); unset: an embedded PGlite

Exit codes: 0 success; 1 error (nothing half-applied); 2 status found pending, failed,
modified or missing migrations; 3 retrying may help (database unreachable, connection
lost, lock wait timed out).`,
  );

/** For options that may be given more than once. */
const collect = (value: string, previous: string[]) => [...previous, value];

function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more.');
  return parsed;
}

const project = () => loadProject(path.resolve(program.opts<{ project: string }>().project));

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
    console.log(await generateCommand(project(), plugins, { ...options, countRows: Boolean(process.env.DATABASE_URL) }));
  });

program
  .command('client')
  .description("generate each plugin's Prisma Client from its isolated schema, into plugins/<name>/generated/client (needs no database)")
  .argument('[plugins...]', 'plugins to generate clients for (default: all)')
  .action(async (plugins: string[]) => {
    const { clientCommand } = await import('./commands/client.ts');
    console.log(await clientCommand(project(), plugins));
  });

program
  .command('deploy')
  .description('apply pending migrations to DATABASE_URL, each step together with its history progress')
  .argument('[plugins...]', 'plugins to deploy (default: all)')
  .option('--lock-timeout <seconds>', 'how long to wait for another deploy: of the same schema on PostgreSQL (default 300), for the write lock on SQLite (default ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS); env ORCHESTRATOR_LOCK_TIMEOUT; 0 fails at once; exit 3 when it runs out', seconds)
  .option('--single-transaction', 'every pending migration in one transaction: all applied, or none (holds its locks for the whole run); refused for migrations that must run outside a transaction')
  .option('--accept-missing <plugin/migration>', 'an applied migration was deleted on purpose: stop counting it (MIGRATION_MISSING)', collect, [])
  .option('--accept-renamed <plugin/migration>', 'an applied migration was renamed to this: record the new name, run nothing (MIGRATION_RENAMED)', collect, [])
  .option('--accept-modified <plugin/migration>', 'an applied migration was edited harmlessly: record its new checksum, run nothing (MIGRATION_MODIFIED)', collect, [])
  .option('--accept-out-of-order <plugin/migration>', 'apply this migration although newer ones are applied (MIGRATION_OUT_OF_ORDER)', collect, [])
  .option('--accept-removed-plugin <plugin>', 'deploy although this removed plugin\'s history table remains (PLUGIN_REMOVED)', collect, [])
  .option('--mark-step-applied <plugin/migration>', 'you finished its interrupted step by hand: count it and go on (MIGRATION_INTERRUPTED)', collect, [])
  .option('--rerun-step <plugin/migration>', 'you undid its interrupted step: run it again (MIGRATION_INTERRUPTED)', collect, [])
  .option('--dry-run', 'run every check deploy runs, then print the SQL it would send (transaction boundaries and history writes included); change nothing')
  .option('--json', 'with --dry-run: print the statements as JSON')
  .action(async (plugins: string[], options: DeployOptions) => {
    const { deployCommand } = await import('./commands/deploy.ts');
    console.log(await deployCommand(project(), plugins, options));
  });

program
  .command('sql')
  .description("print the SQL deploy would run for one plugin, with its transaction boundaries: a named migration from disk (no database), else the plugin's pending migrations on DATABASE_URL")
  .argument('<plugin>', 'the plugin')
  .argument('[migration]', 'one migration folder name (default: every pending one, read from DATABASE_URL)')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .action(async (plugin: string, migration: string | undefined, options: { json?: boolean }) => {
    const { sqlCommand } = await import('./commands/sql.ts');
    console.log(await sqlCommand(project(), plugin, migration, options));
  });

program
  .command('status')
  .description('show applied, pending, failed and modified migrations per plugin; exit 2 unless all are applied')
  .argument('[plugins...]', 'plugins to report (default: all)')
  .addOption(new Option('--json', 'print machine-readable JSON'))
  .action(async (plugins: string[], options: { json?: boolean }) => {
    const { statusCommand } = await import('./commands/status.ts');
    const report = await statusCommand(project(), plugins, options);
    console.log(report.text);
    if (!report.upToDate) process.exitCode = EXIT_NOT_UP_TO_DATE;
  });

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
