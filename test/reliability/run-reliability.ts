/**
 * `npm run reliability`: the orchestrator under concurrency, crashes, tampering and bad input,
 * as a black box (the real CLI, real PostgreSQL and SQLite). One line per check with its figure,
 * then a summary table; exit 1 when any check fails. See README, "Tests".
 */
import { performance } from 'node:perf_hooks';
import { prepareCli, removeCli } from './cli.ts';
import { brokenSql } from './checks/broken-sql.ts';
import { fuzz } from './checks/fuzz.ts';
import { lockHolder } from './checks/lock-holder.ts';
import { sigkill } from './checks/sigkill.ts';
import { stampede } from './checks/stampede.ts';
import { UNREACHABLE_CASES, unreachable } from './checks/unreachable.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';
import { TAMPER_CASES, tamperBase, tampering } from './checks/tampering.ts';
import { createRng, suiteSeed } from './prng.ts';
import { type CheckResult, summaryTable, timed } from './report.ts';

const started = performance.now();
const cli = await prepareCli();
process.on('exit', removeCli);
const seed = suiteSeed();
console.log(`Reliability suite, CLI: ${cli}, seed ${seed} (replay: RELIABILITY_SEED=${seed})`);
const results: CheckResult[] = [];
const only = process.env.RELIABILITY_ONLY?.split(',');
const want = (group: string) => !only || only.includes(group);

if (want('1')) {
  results.push(await timed('1', 'stampede pg', () => stampede('postgresql', 20, 3)));
  results.push(await timed('1', 'stampede sqlite wal', () => stampede('sqlite', 10, 2, 'wal')));
  results.push(await timed('1', 'stampede sqlite rollback journal', () => stampede('sqlite', 10, 2, 'delete')));
}
if (want('2')) {
  results.push(await timed('2', 'long lock holder pg', () => lockHolder('postgresql')));
  results.push(await timed('2', 'long lock holder sqlite', () => lockHolder('sqlite')));
}
if (want('3')) {
  const trials = Number(process.env.RELIABILITY_KILL_TRIALS ?? 30);
  results.push(await timed('3', 'SIGKILL pg', () => sigkill('postgresql', trials, createRng(seed + 3))));
  results.push(await timed('3', 'SIGKILL sqlite', () => sigkill('sqlite', trials, createRng(seed + 4))));
}
if (want('4')) {
  results.push(await timed('4', 'broken SQL in migration 3 of 5 pg', () => brokenSql('postgresql')));
  results.push(await timed('4', 'broken SQL in migration 3 of 5 sqlite', () => brokenSql('sqlite')));
}
if (want('5')) {
  const bases = new Map<'sqlite' | 'postgresql', Awaited<ReturnType<typeof tamperBase>>>();
  const setUp = await timed('5', 'tampering: the applied base project', async () => {
    for (const provider of ['sqlite', 'postgresql'] as const) bases.set(provider, await tamperBase(provider));
    return { figure: 'p1 (3 migrations) and p2 (1) deployed on both databases', failures: [] };
  });
  if (!setUp.pass) results.push(setUp);
  try {
    if (setUp.pass) for (const tamperCase of TAMPER_CASES) results.push(await timed('5', `tampering: ${tamperCase.name}`, () => tampering(tamperCase, bases)));
  } finally {
    for (const base of bases.values()) await base.remove();
  }
}
if (want('6')) {
  results.push(await timed('6', 'fuzz of bad inputs', () => fuzz(seed, Number(process.env.RELIABILITY_FUZZ_CASES ?? 160))));
}
if (want('7')) {
  let privatePg: PrivatePostgres | undefined;
  try {
    privatePg = await startPrivatePostgres();
  } catch (error) {
    console.log(`(private PostgreSQL cluster did not start: ${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    for (const testCase of UNREACHABLE_CASES) results.push(await timed('7', `unusable database: ${testCase.name}`, () => unreachable(testCase, privatePg)));
  } finally {
    await privatePg?.stop();
  }
}

const total = (performance.now() - started) / 1000;
console.log(`\n${summaryTable(results, total)}`);
process.exitCode = results.every((result) => result.pass) ? 0 : 1;
