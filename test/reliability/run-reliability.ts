/**
 * `npm run reliability`: the orchestrator under concurrency, crashes, tampering and bad input,
 * as a black box (the real CLI, real PostgreSQL and SQLite). One line per check with its figure,
 * then a summary table; exit 1 when any check fails. See README, "Tests".
 */
import { performance } from 'node:perf_hooks';
import { prepareCli } from './cli.ts';
import { stampede } from './checks/stampede.ts';
import { type CheckResult, summaryTable, timed } from './report.ts';

const started = performance.now();
const cli = await prepareCli();
console.log(`Reliability suite, CLI: ${cli}`);
const results: CheckResult[] = [];
const only = process.env.RELIABILITY_ONLY?.split(',');
const want = (group: string) => !only || only.includes(group);

if (want('1')) {
  results.push(await timed('1', 'stampede pg', () => stampede('postgresql', 20, 3)));
  results.push(await timed('1', 'stampede sqlite wal', () => stampede('sqlite', 10, 2, 'wal')));
  results.push(await timed('1', 'stampede sqlite rollback journal', () => stampede('sqlite', 10, 2, 'delete')));
}

const total = (performance.now() - started) / 1000;
console.log(`\n${summaryTable(results, total)}`);
process.exitCode = results.every((result) => result.pass) ? 0 : 1;
