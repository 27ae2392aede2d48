import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { buildCli } from '../scripts/build-cli.ts';
import { REPO_ROOT } from '../test/support/temp-project.ts';
import { sampleTreeRss } from './process-tree-rss.ts';

const RSS_PRELOAD = path.join(REPO_ROOT, 'bench/report-max-rss.ts');
/** Overridable so the fallback without GNU time can be exercised: BENCH_GNU_TIME=/nonexistent. */
const GNU_TIME = process.env.BENCH_GNU_TIME ?? '/usr/bin/time';

/** One spawned process: wall time as the parent saw it (spawn to exit) and the peak RSS. */
export interface ProcessRun {
  wallMs: number;
  /** Null when it could not be read (a native client without GNU time). */
  maxRssKiB: number | null;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'orchestrator-bench-rss-'));
let sequence = 0;
const nextRssFile = () => path.join(scratch, `rss-${++sequence}.txt`);
let gnuTime = false;
/** How an orchestrator process is started: from source through tsx (`tsx orchestrator …`), or built (`npm run build`). */
export type OrchestratorCli = 'tsx' | 'built';
const TSX_ENTRY = path.join(REPO_ROOT, 'orchestrator/index.ts');
let builtEntry: string | undefined;

/** Builds the CLI as the Docker image does, into dist/ (inside the repository, so its packages resolve). Returns its entry. */
export async function prepareBuiltCli(): Promise<string> {
  builtEntry = await buildCli();
  return builtEntry;
}

export function removeRssScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * Turns on GNU time if it works (checked by running it: a BusyBox `time` lacks -o). Its %M is the
 * largest RSS of the process tree, which counts the CLIs that `generate --engine cli` spawns.
 * Without it, orchestrator runs still report their own RSS (preload) and native clients "n/a".
 */
export async function detectGnuTime(): Promise<boolean> {
  if (existsSync(GNU_TIME)) {
    const rssFile = nextRssFile();
    const result = await execa(GNU_TIME, ['-f', '%M', '-o', rssFile, 'true'], { reject: false });
    gnuTime = result.exitCode === 0 && readRss(rssFile) !== null;
  }
  return gnuTime;
}

/**
 * Runs the orchestrator CLI as users do: `node --import tsx orchestrator/index.ts …` with the RSS
 * preload added, or the built `node dist/orchestrator/index.mjs …` (no tsx, so no TypeScript
 * preload: GNU time gives its RSS). CI=true keeps listr2 on its plain renderer, as in a container's log.
 */
export async function runOrchestrator(project: string, args: string[], env: Record<string, string> = {}, cli: OrchestratorCli = 'tsx'): Promise<ProcessRun> {
  if (cli === 'built' && !builtEntry) throw new Error('call prepareBuiltCli() first');
  const preloadFile = nextRssFile();
  const command = cli === 'tsx' ? ['--import', 'tsx', '--import', RSS_PRELOAD, TSX_ENTRY] : [builtEntry!];
  const run = await spawnMeasured(process.execPath, [...command, '--project', project, ...args], {
    env: { CI: 'true', ORCHESTRATOR_PROVIDER: '', BENCH_MAX_RSS_FILE: preloadFile, ...env },
  });
  const own = readRss(preloadFile);
  const peak = [own, run.maxRssKiB].filter((value): value is number => value !== null);
  return { ...run, maxRssKiB: peak.length > 0 ? Math.max(...peak) : null };
}

/**
 * Runs any other program (a database's own client, bare node, the Prisma CLI); `inputFile`
 * becomes its stdin, `env` is added to this process's environment.
 */
export function runNative(command: string, args: string[], options: { inputFile?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<ProcessRun> {
  return spawnMeasured(command, args, options);
}

/**
 * Peak RSS is the larger of two readings: the largest single process (GNU time's %M) and the
 * sum over the whole process tree, sampled while it runs (the Prisma CLI runs its schema engine
 * as a second process, and both are alive at once).
 */
async function spawnMeasured(command: string, args: string[], options: { inputFile?: string; env?: Record<string, string>; cwd?: string }): Promise<ProcessRun> {
  const rssFile = nextRssFile();
  const [file, argv] = gnuTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const started = performance.now();
  const child = execa(file, argv, {
    reject: false,
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.env ? { env: options.env } : {}),
    ...(options.inputFile ? { inputFile: options.inputFile } : {}),
  });
  // GNU time itself is not part of what is measured: only its descendants count.
  const sampler = child.pid === undefined ? undefined : sampleTreeRss(child.pid, { includeRoot: !gnuTime });
  const result = await child;
  const wallMs = performance.now() - started;
  const treeKiB = sampler?.stop() ?? null;
  const readings = [gnuTime ? readRss(rssFile) : null, treeKiB].filter((value): value is number => value !== null);
  return { wallMs, maxRssKiB: readings.length > 0 ? Math.max(...readings) : null, exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

function readRss(file: string): number | null {
  if (!existsSync(file)) return null;
  const value = Number.parseInt(readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '', 10);
  return Number.isFinite(value) ? value : null;
}

/** The run with the median wall time (the upper middle one for an even count). */
export function median<T extends { wallMs: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
}
