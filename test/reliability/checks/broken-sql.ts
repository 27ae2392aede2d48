import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun, errorCode, stackTraceLines } from '../cli.ts';
import { createDatabase } from '../databases.ts';
import { createScenarioProject, inspectEffects, migrationName, migrationSql } from '../scenario-project.ts';

/** Parses, so a parser-based pre-check lets it through; fails only when it runs. */
const BROKEN = 'INSERT INTO "p1_log" ("no_such_column") VALUES (1);\n';

/**
 * Migration 3 of 5 fails at run time after two of its statements ran: 1–2 stay applied, 3 is
 * rolled back (its column and row gone) with a failed-attempt row, 4–5 never run, the exit is 1
 * with plugin, migration and statement named. After fixing the file, deploy finishes.
 */
export async function brokenSql(provider: Provider): Promise<{ figure: string; failures: string[] }> {
  const spec = { provider, plugins: ['p1'], migrations: 5, extraSql: (_: string, k: number) => (k === 3 ? BROKEN : '') };
  const project = createScenarioProject(spec);
  const db = await createDatabase(provider);
  const failures: string[] = [];
  try {
    const run = await deploy(project.root, db.url);
    if (run.exitCode !== 1) failures.push(`broken deploy: expected exit 1, got ${describeRun(run)}`);
    for (const expected of ['p1', migrationName(3), 'no_such_column']) {
      if (!run.stderr.includes(expected)) failures.push(`the error does not name ${JSON.stringify(expected)}: ${run.stderr.slice(0, 300)}`);
    }
    failures.push(...stackTraceLines(run).map((line) => `stack trace: ${line.trim()}`));
    const effects = await inspectEffects(db, spec);
    failures.push(...effects.problems);
    if (effects.applied !== 2) failures.push(`expected migrations 1–2 applied, found ${effects.applied}`);
    const attempts = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM "_prisma_migrations_p1" WHERE "migration_name" = '${migrationName(3)}' AND "finished_at" IS NULL`).catch(() => [{ n: 0 }]);
    const failedRows = Number(attempts[0]?.n ?? 0);
    if (failedRows !== 1) failures.push(`expected 1 failed-attempt row for migration 3, found ${failedRows}`);

    writeFileSync(path.join(project.migrationDir('p1', 3), 'migration.sql'), migrationSql(provider, 'p1', 3));
    const fixed = await deploy(project.root, db.url);
    if (fixed.exitCode !== 0) failures.push(`after the fix: ${describeRun(fixed)}`);
    const after = await inspectEffects(db, spec);
    failures.push(...after.problems.map((problem) => `after the fix: ${problem}`));
    return {
      figure: `exit ${run.exitCode} ${errorCode(run) ?? '(no code)'}, ${effects.applied}/2 applied before it, ${failedRows} failed-attempt row, then after the fix ${after.applied}/5 applied (exit ${fixed.exitCode})`,
      failures,
    };
  } finally {
    project.remove();
    await db.drop();
  }
}
