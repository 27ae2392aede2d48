import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { type CliRun, describeRun, errorCode, startCli, stackTraceLines } from '../cli.ts';
import { createDatabase } from '../databases.ts';
import { createScenarioProject, inspectEffects } from '../scenario-project.ts';

const HOLD_SECONDS = 5;
const LIMIT_SECONDS = 1;

/** The waiter with a limit must give up within this long after starting (limit + start-up + slack). */
const GIVE_UP_WITHIN_MS = (LIMIT_SECONDS + 4) * 1000;

interface Timed {
  run: CliRun;
  startedAt: number;
  endedAt: number;
}

function startTimed(root: string, url: string, args: string[], env: Record<string, string> = {}): Promise<Timed> {
  const startedAt = Date.now();
  return startCli(root, ['deploy', ...args], { databaseUrl: url, env, timeoutMs: 60_000 }).done.then((run) => ({ run, startedAt, endedAt: Date.now() }));
}

/**
 * PostgreSQL: a deploy whose first migration sleeps holds the deploy lock; a second deploy with
 * `--lock-timeout 1` exits 3 with LOCK_TIMEOUT while it still runs, and a third without a limit
 * waits and exits 0 after it. SQLite: another process holds the write lock (BEGIN IMMEDIATE) for
 * 5 s; a deploy with ORCHESTRATOR_LOCK_TIMEOUT=1 exits 3, one without waits and finishes.
 */
export async function lockHolder(provider: 'postgresql' | 'sqlite'): Promise<{ figure: string; failures: string[] }> {
  const spec = {
    provider,
    plugins: ['p1'],
    migrations: 2,
    extraSql: (_: string, k: number) => (provider === 'postgresql' && k === 1 ? `SELECT pg_sleep(${HOLD_SECONDS});\n` : ''),
  };
  const project = createScenarioProject(spec);
  const db = await createDatabase(provider);
  const failures: string[] = [];
  try {
    let holderDone: Promise<Timed>;
    /** When the lock was released at the earliest: a waiter that ends before it did not wait for the holder. */
    let releasedAt: () => number;
    let limited: Timed;
    let waiter: Promise<Timed>;
    if (provider === 'postgresql') {
      const holder = startTimed(project.root, db.url, []);
      const dbName = new URL(db.url).pathname.slice(1);
      const inside = await waitFor(async () => {
        const rows = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '${dbName}' AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep(${HOLD_SECONDS})%' AND state = 'active'`);
        return Number(rows[0]?.n) > 0;
      }, 15_000);
      if (!inside) failures.push('the holder never reached its sleeping migration');
      // The sleep began before it was seen, so it ends no earlier than this (minus the poll interval).
      const sleepSeenAt = Date.now();
      releasedAt = () => sleepSeenAt + HOLD_SECONDS * 1000 - 100;
      waiter = startTimed(project.root, db.url, []);
      limited = await startTimed(project.root, db.url, ['--lock-timeout', String(LIMIT_SECONDS)]);
      holderDone = holder;
    } else {
      // SQLite's deploy lock is its write lock: hold it from another connection, as a long migration would.
      const file = db.url.slice('file:'.length);
      const other = new BetterSqlite3(file);
      other.exec('BEGIN IMMEDIATE');
      const startedAt = Date.now();
      let committedAt = Number.POSITIVE_INFINITY;
      releasedAt = () => committedAt;
      holderDone = sleep(HOLD_SECONDS * 1000).then(() => {
        other.exec('COMMIT');
        other.close();
        committedAt = Date.now();
        return { run: { exitCode: 0, stdout: '', stderr: '', ms: 0, signal: undefined, timedOut: false }, startedAt, endedAt: committedAt };
      });
      waiter = startTimed(project.root, db.url, []);
      limited = await startTimed(project.root, db.url, [], { ORCHESTRATOR_LOCK_TIMEOUT: String(LIMIT_SECONDS) });
    }
    const holder = await holderDone;
    const waited = await waiter;
    const holderEndedAt = releasedAt();
    if (holder.run.exitCode !== 0) failures.push(`holder: ${describeRun(holder.run)}`);

    const limitedMs = limited.endedAt - limited.startedAt;
    if (limited.run.exitCode !== 3 || errorCode(limited.run) !== 'LOCK_TIMEOUT') failures.push(`waiter with a ${LIMIT_SECONDS} s limit: expected exit 3 LOCK_TIMEOUT, got ${describeRun(limited.run)}`);
    if (limitedMs > GIVE_UP_WITHIN_MS) failures.push(`waiter with a ${LIMIT_SECONDS} s limit took ${(limitedMs / 1000).toFixed(1)} s`);
    if (limited.endedAt > holderEndedAt) failures.push('waiter with a limit ended after the holder: it never waited');
    failures.push(...stackTraceLines(limited.run).map((line) => `stack trace: ${line.trim()}`));

    if (waited.run.exitCode !== 0) failures.push(`waiter without a limit: ${describeRun(waited.run)}`);
    if (waited.endedAt < holderEndedAt) failures.push('waiter without a limit ended before the holder released the lock');
    const effects = await inspectEffects(db, spec);
    failures.push(...effects.problems);
    if (effects.applied !== 2) failures.push(`expected 2/2 migrations applied, found ${effects.applied}`);
    const how = provider === 'postgresql' ? `--lock-timeout ${LIMIT_SECONDS}` : `ORCHESTRATOR_LOCK_TIMEOUT=${LIMIT_SECONDS}`;
    return {
      figure: `holder ${HOLD_SECONDS} s; waiter with ${how}: exit ${limited.run.exitCode} ${errorCode(limited.run) ?? '(no code)'} after ${(limitedMs / 1000).toFixed(1)} s; waiter without: exit ${waited.run.exitCode}, ${((waited.endedAt - holderEndedAt) / 1000).toFixed(1)} s after the holder; ${effects.applied}/2 applied once`,
      failures,
    };
  } finally {
    project.remove();
    await db.drop();
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return false;
}
