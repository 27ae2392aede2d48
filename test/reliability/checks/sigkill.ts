import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun, startCli } from '../cli.ts';
import { createDatabase, type SqliteJournal, type SuiteDatabase } from '../databases.ts';
import type { Rng } from '../prng.ts';
import { createScenarioProject, inspectEffects, type ScenarioSpec } from '../scenario-project.ts';

/** Trials run two at a time: the machine has two cores, and each trial is mostly one process. */
const LANES = 2;

/** Work inside every migration's transaction, after its own statements, so kills land mid-transaction too. */
const PAUSE: Record<Provider, string> = {
  postgresql: 'SELECT pg_sleep(0.02);\n',
  sqlite: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT COUNT(*) FROM n;\n',
};

/**
 * SIGKILL a deploy at a random moment between the end of its start-up and the end of a normal
 * deploy, then read the database: every migration must be all there (history row, column,
 * side-effect row) or not at all. Then one deploy, alone, must finish with everything applied
 * exactly once. SQLite trials alternate between WAL and rollback-journal files.
 */
export async function sigkill(provider: Provider, trials: number, rng: Rng): Promise<{ figure: string; failures: string[] }> {
  const spec: ScenarioSpec = { provider, plugins: ['p1', 'p2', 'p3'], migrations: 6, extraSql: () => PAUSE[provider] };
  const project = createScenarioProject(spec);
  const lanes: Record<SqliteJournal, SuiteDatabase>[] = [];
  for (let i = 0; i < LANES; i++) lanes.push({ wal: await createDatabase(provider, 'wal'), delete: await createDatabase(provider, 'delete') });
  const failures: string[] = [];
  const landed = { before: 0, middle: 0, after: 0 };
  const broken = new Set<number>();
  let recovered = 0;
  let slowestRecoveryMs = 0;
  try {
    // Calibrate under the trials' own load: LANES deploys at once, from empty, then up to date.
    const full = await Promise.all(lanes.map((lane) => deploy(project.root, lane.delete.url)));
    const idle = await Promise.all(lanes.map((lane) => deploy(project.root, lane.delete.url)));
    if ([...full, ...idle].some((run) => run.exitCode !== 0)) throw new Error(`calibration deploy failed: ${[...full, ...idle].map(describeRun).join('; ')}`);
    const from = Math.min(...idle.map((run) => run.ms)) * 0.8;
    const to = Math.max(...full.map((run) => run.ms)) * 1.1;
    const delays = Array.from({ length: trials }, () => Math.floor(from + rng.next() * (to - from)));
    let nextTrial = 0;
    const lane = async (databases: Record<SqliteJournal, SuiteDatabase>) => {
      while (nextTrial < trials) {
        const trial = nextTrial++;
        const journal: SqliteJournal = provider === 'sqlite' && trial % 2 === 0 ? 'wal' : 'delete';
        const where = `trial ${trial + 1} (kill at ${delays[trial]} ms${provider === 'sqlite' ? `, ${journal}` : ''})`;
        const db = databases[journal];
        await db.reset();
        const { child, done } = startCli(project.root, ['deploy'], { databaseUrl: db.url });
        await sleep(delays[trial]!);
        child.kill('SIGKILL');
        const killed = await done;
        const effects = await inspectEffects(db, spec);
        if (effects.problems.length > 0) broken.add(trial);
        failures.push(...effects.problems.map((problem) => `${where}: after the kill: ${problem}`));
        if (effects.applied === 0) landed.before++;
        else if (effects.applied < effects.total) landed.middle++;
        else landed.after++;
        if (killed.exitCode === 0 && !killed.signal && effects.applied < effects.total) failures.push(`${where}: exit 0 with ${effects.applied}/${effects.total} applied`);

        const next = await deploy(project.root, db.url, [], { timeoutMs: 60_000 });
        slowestRecoveryMs = Math.max(slowestRecoveryMs, next.ms);
        const after = await inspectEffects(db, spec);
        if (next.exitCode === 0 && after.problems.length === 0 && after.applied === after.total) recovered++;
        else failures.push(`${where}: the next deploy: ${describeRun(next)}; ${after.applied}/${after.total} applied; ${after.problems.join('; ')}`);
      }
    };
    await Promise.all(lanes.map(lane));
    const total = landed.before + landed.middle + landed.after;
    return {
      figure: `${total} kills in ${from.toFixed(0)}–${to.toFixed(0)} ms (${landed.before} before the first commit, ${landed.middle} mid-deploy, ${landed.after} after the last): all-or-nothing ${total - broken.size}/${total}, next deploy alone finished ${recovered}/${total} (slowest ${(slowestRecoveryMs / 1000).toFixed(1)} s)`,
      failures,
    };
  } finally {
    project.remove();
    for (const databases of lanes) for (const db of Object.values(databases)) await db.drop();
  }
}
