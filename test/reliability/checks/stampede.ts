import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun } from '../cli.ts';
import { createDatabase, type SqliteJournal } from '../databases.ts';
import { createScenarioProject, inspectEffects } from '../scenario-project.ts';

const PLUGINS = ['p1', 'p2', 'p3', 'p4', 'p5'];
const MIGRATIONS = 10;

/**
 * Many deploys started at once against one empty database, several rounds: every process
 * exits 0 and every migration with its side effect is there exactly once.
 */
export async function stampede(provider: Provider, processes: number, rounds: number, journal: SqliteJournal = 'delete'): Promise<{ figure: string; failures: string[] }> {
  const spec = { provider, plugins: PLUGINS, migrations: MIGRATIONS };
  const project = createScenarioProject(spec);
  const failures: string[] = [];
  let exactlyOnce = 0;
  let exitedZero = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      const db = await createDatabase(provider, journal);
      try {
        const runs = await Promise.all(Array.from({ length: processes }, () => deploy(project.root, db.url, [], { timeoutMs: 120_000 })));
        for (const [index, run] of runs.entries()) {
          if (run.exitCode === 0) exitedZero++;
          else failures.push(`round ${round}, process ${index + 1}: ${describeRun(run)}`);
        }
        const effects = await inspectEffects(db, spec);
        exactlyOnce += effects.applied;
        failures.push(...effects.problems.map((problem) => `round ${round}: ${problem}`));
        if (effects.applied + effects.problems.length < effects.total) failures.push(`round ${round}: only ${effects.applied}/${effects.total} migrations applied`);
      } finally {
        await db.drop();
      }
    }
  } finally {
    project.remove();
  }
  const total = rounds * PLUGINS.length * MIGRATIONS;
  return {
    figure: `${processes} procs × ${rounds} rounds (${PLUGINS.length} plugins × ${MIGRATIONS} migrations): ${exactlyOnce}/${total} migrations exactly once, ${exitedZero}/${processes * rounds} exit 0`,
    failures,
  };
}
