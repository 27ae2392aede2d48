import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun, startCli } from '../cli.ts';
import { createDatabase, type SqliteJournal } from '../databases.ts';
import type { Rng } from '../prng.ts';
import { createScenarioProject, inspectEffects, type ScenarioSpec } from '../scenario-project.ts';

/** Trials run two at a time: the machine has two cores, and each trial is mostly one process. */
const LANES = 2;

/**
 * SIGKILL a deploy at a random moment (uniform over a normal deploy's duration), then read the
 * database: every migration must be all there (history row, column, side-effect row) or not at
 * all. Then one deploy, alone, must finish with everything applied exactly once.
 */
export async function sigkill(provider: Provider, trials: number, rng: Rng): Promise<{ figure: string; failures: string[] }> {
  const spec: ScenarioSpec = {
    provider,
    plugins: ['p1', 'p2', 'p3'],
    migrations: 6,
    // A short pause inside each PostgreSQL migration, so kills land mid-transaction too.
    extraSql: provider === 'postgresql' ? () => 'SELECT pg_sleep(0.02);\n' : undefined,
  };
  const project = createScenarioProject(spec);
  const failures: string[] = [];
  const landed = { before: 0, middle: 0, after: 0 };
  let recovered = 0;
  let slowestRecoveryMs = 0;
  try {
    const calibration = await createDatabase(provider);
    const full = await deploy(project.root, calibration.url);
    await calibration.drop();
    if (full.exitCode !== 0) throw new Error(`calibration deploy failed: ${describeRun(full)}`);
    // Two lanes share the CPU, so a deploy under the trial's load takes longer than alone.
    const window = full.ms * 1.6;
    const delays = Array.from({ length: trials }, () => Math.floor(rng.next() * window));
    let nextTrial = 0;
    const lane = async () => {
      while (nextTrial < trials) {
        const trial = nextTrial++;
        const journal: SqliteJournal = trial % 2 === 0 ? 'wal' : 'delete';
        const where = `trial ${trial + 1} (kill at ${delays[trial]} ms${provider === 'sqlite' ? `, ${journal}` : ''})`;
        const db = await createDatabase(provider, journal);
        try {
          const { child, done } = startCli(project.root, ['deploy'], { databaseUrl: db.url });
          await sleep(delays[trial]!);
          child.kill('SIGKILL');
          const killed = await done;
          const effects = await inspectEffects(db, spec);
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
        } finally {
          await db.drop();
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
  } finally {
    project.remove();
  }
  const total = landed.before + landed.middle + landed.after;
  return {
    figure: `${total} kills (${landed.before} before the first commit, ${landed.middle} mid-deploy, ${landed.after} after the last): all-or-nothing ${total - new Set(failures.filter((f) => f.includes('after the kill')).map((f) => f.split(':')[0])).size}/${total}, next deploy alone finished ${recovered}/${total} (slowest ${(slowestRecoveryMs / 1000).toFixed(1)} s)`,
    failures,
  };
}
