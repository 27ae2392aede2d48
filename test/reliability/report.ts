import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
/** One line of the suite's output: a check, the figure it measured, and whether it held. */
export interface CheckResult {
  /** The check's group, as numbered in the README (1 stampede … 7 unreachable). */
  group: string;
  name: string;
  figure: string;
  pass: boolean;
  seconds: number;
  /** What went wrong, one line each; printed below a failing check. */
  failures: string[];
}

/** Prints a result as soon as it is known, so a long run shows progress. */
export function printResult(result: CheckResult): void {
  console.log(`${result.name}: ${result.figure}  ${result.pass ? 'PASS' : 'FAIL'}  (${result.seconds.toFixed(1)} s)`);
  const shown = result.failures.slice(0, 80);
  for (const failure of shown) console.log(`    ✗ ${failure}`);
  if (result.failures.length > shown.length) console.log(`    … and ${result.failures.length - shown.length} more`);
}

/**
 * CPU seconds used by the suite and every process it waited for (utime + cutime + stime + cstime
 * from /proc): divided by the core count, what the wall time would be on an idle machine.
 */
export function cpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ", field 3 is index 0: utime is field 14, stime 15, cutime 16, cstime 17.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

export function summaryTable(results: CheckResult[], totalSeconds: number): string {
  const header = ['group', 'check', 'result', 'seconds'];
  const rows = results.map((r) => [r.group, r.name, r.pass ? 'PASS' : 'FAIL', r.seconds.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const passed = results.filter((r) => r.pass).length;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `${passed}/${results.length} checks passed in ${totalSeconds.toFixed(0)} s (CPU: ${cpuSeconds()?.toFixed(0) ?? 'n/a'} s on ${availableParallelism()} cores).`,
    // The plain closing line CI runners read.
    `reliability: ${passed} passed, ${results.length - passed} failed`,
  ].join('\n');
}

/** Times a check and turns a crash of the check itself into a failing line instead of aborting the suite. */
export async function timed(group: string, name: string, run: () => Promise<{ figure: string; failures: string[] }>): Promise<CheckResult> {
  const started = performance.now();
  let outcome: { figure: string; failures: string[] };
  try {
    outcome = await run();
  } catch (error) {
    outcome = { figure: 'the check itself crashed', failures: [error instanceof Error ? (error.stack ?? error.message) : String(error)] };
  }
  const result = { group, name, ...outcome, pass: outcome.failures.length === 0, seconds: (performance.now() - started) / 1000 };
  printResult(result);
  return result;
}
