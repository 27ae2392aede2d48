#!/usr/bin/env -S npx tsx
/**
 * The CLI entry: `tsx orchestrator <command>`. Commands return text; only this file prints
 * errors and sets the exit code:
 *   0  success (status: everything applied)
 *   1  error: bad input, unreachable database, failed migration (nothing half-applied)
 *   2  status only: something is pending, failed, modified or missing
 *   3  the database could not be reached (worth retrying: the Docker entrypoint does)
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadProject } from './config/load-project.ts';
import { DIFF_ENGINE_KINDS, type DiffEngineKind } from './engine/diff-engine.ts';
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
  DATABASE_URL           database for deploy/status: file:./data/app.db (default) or postgresql://...
  ORCHESTRATOR_PROVIDER  provider migrations are generated for: sqlite (default) or postgresql
  SHADOW_DATABASE_URL    PostgreSQL scratch database generate replays migrations without a snapshot
                         into (a temporary schema, dropped after); unset: embedded PGlite

Exit codes: 0 success; 1 error (nothing half-applied); 2 status found pending, failed,
modified or missing migrations; 3 the database could not be reached.`,
  );

const project = () => loadProject(path.resolve(program.opts<{ project: string }>().project));

program
  .command('generate')
  .description("write a migration for each plugin whose models changed since its latest migration (needs no database)")
  .argument('[plugins...]', 'plugins to generate for (default: all)')
  .option('-n, --name <message>', 'migration name, as in <timestamp>_<name> (default: init, then update)')
  .addOption(new Option('--engine <kind>', 'wasm: Prisma\'s engine in this process; cli: `prisma migrate diff` per plugin').choices(DIFF_ENGINE_KINDS).default('wasm'))
  .option('--client', 'also generate each plugin\'s Prisma Client (see the client command)')
  .option('--snapshot-only', 'write no migration: only the snapshot.prisma of plugins whose migrations (written by hand) have none, derived by replaying them')
  .action(async (plugins: string[], options: { name?: string; engine: DiffEngineKind; client?: boolean; snapshotOnly?: boolean }) => {
    const { generateCommand } = await import('./commands/generate.ts');
    console.log(await generateCommand(project(), plugins, options));
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
  .description('apply pending migrations to DATABASE_URL, each atomically with its history row')
  .argument('[plugins...]', 'plugins to deploy (default: all)')
  .action(async (plugins: string[]) => {
    const { deployCommand } = await import('./commands/deploy.ts');
    console.log(await deployCommand(project(), plugins));
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
  } else {
    console.error(error);
    process.exitCode = EXIT_ERROR;
  }
}
