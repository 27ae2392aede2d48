import { rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa, type ResultPromise } from 'execa';
import { buildCli } from '../../scripts/build-cli.ts';
import { REPO_ROOT } from '../support/temp-project.ts';

/**
 * The orchestrator as a user runs it: a process per command. By default the built CLI
 * (`npm run build`, as the Docker image ships it) because it starts in ~0.3 s instead of tsx's
 * ~0.8 s, and the suite starts about a thousand processes. RELIABILITY_CLI=tsx runs this
 * checkout's sources; RELIABILITY_CLI=<path>/orchestrator/index.ts (or a built .mjs) runs another
 * checkout, e.g. a branch to judge before merging it.
 */
let command: { file: string; prefix: string[] } | undefined;
let builtDir: string | undefined;

export function removeCli(): void {
  if (builtDir) rmSync(builtDir, { recursive: true, force: true });
}

/** Builds into dist/reliability-cli/<pid> (inside the repository, so the bundle's packages resolve; per process, so two runs never rebuild under each other). */
export async function prepareCli(): Promise<string> {
  const choice = process.env.RELIABILITY_CLI ?? 'built';
  // Absolute, because the CLI runs with the temp project as its working directory.
  const tsx = import.meta.resolve('tsx');
  if (choice === 'tsx' || choice.endsWith('.ts')) {
    const entry = choice === 'tsx' ? path.join(REPO_ROOT, 'orchestrator/index.ts') : path.resolve(choice);
    command = { file: process.execPath, prefix: ['--import', tsx, entry] };
    return `tsx ${entry}`;
  }
  if (choice !== 'built') {
    command = { file: process.execPath, prefix: [path.resolve(choice)] };
    return `node ${path.resolve(choice)}`;
  }
  builtDir = path.join(REPO_ROOT, 'dist/reliability-cli', String(process.pid));
  const entry = await buildCli(builtDir);
  command = { file: process.execPath, prefix: [entry] };
  return `node ${path.relative(REPO_ROOT, entry)}`;
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** Killed by the harness (a SIGKILL trial) or by the timeout (a hang). */
  signal: string | undefined;
  timedOut: boolean;
}

export interface CliOptions {
  databaseUrl?: string;
  env?: Record<string, string>;
  /** A process still running after this long is killed and reported as a hang. */
  timeoutMs?: number;
}

/**
 * A clean environment: nothing from the caller's shell (DATABASE_URL, PGPASSWORD, a lock
 * timeout, DEBUG) may change what a check measures.
 */
function cliEnv(options: CliOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === 'DATABASE_URL' || key === 'DEBUG' || key.startsWith('ORCHESTRATOR_') || key.startsWith('PG')) continue;
    env[key] = value;
  }
  env.CI = 'true';
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  return { ...env, ...options.env };
}

/** Starts `orchestrator --project <dir> <args…>`; the caller may kill it. */
export function startCli(project: string, args: string[], options: CliOptions = {}): { child: ResultPromise; done: Promise<CliRun> } {
  if (!command) throw new Error('prepareCli() first');
  const started = performance.now();
  const child = execa(command.file, [...command.prefix, '--project', project, ...args], {
    reject: false,
    cwd: project,
    env: cliEnv(options),
    extendEnv: false,
    timeout: options.timeoutMs ?? 60_000,
    forceKillAfterDelay: 1000,
    killSignal: 'SIGKILL',
    stdin: 'ignore',
  });
  const done = child.then((result) => ({
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ms: performance.now() - started,
    signal: result.signal ?? undefined,
    timedOut: Boolean(result.timedOut),
  }));
  return { child, done };
}

export function runCli(project: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(project, args, options).done;
}

/** `deploy` with the options every check uses. */
export function deploy(project: string, databaseUrl: string, extraArgs: string[] = [], options: Omit<CliOptions, 'databaseUrl'> = {}): Promise<CliRun> {
  return runCli(project, ['deploy', ...extraArgs], { ...options, databaseUrl });
}

/** The `Error [CODE]:` line's code, if the process printed one. */
export function errorCode(run: CliRun): string | undefined {
  return /^Error \[([A-Z_]+)\]:/m.exec(run.stderr)?.[1];
}

/** Lines that show a stack trace or Node internals reached the user. */
export function stackTraceLines(run: CliRun): string[] {
  return `${run.stderr}\n${run.stdout}`.split('\n').filter((line) => /^\s+at /.test(line) || line.includes('node:internal'));
}

/** One line describing how a run ended, for failure lists. */
export function describeRun(run: CliRun): string {
  const lines = run.stderr.split('\n');
  const firstError = lines.find((line) => line.startsWith('Error')) ?? lines.find((line) => line.trim() !== '') ?? '(no stderr)';
  const how = run.timedOut ? `hung (killed after ${(run.ms / 1000).toFixed(0)} s)` : run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`;
  return `${how}: ${firstError.slice(0, 240)}`;
}
