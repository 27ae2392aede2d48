import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyTableName } from '../orchestrator/plugins/plugin.ts';
import { REPO_ROOT, createTempProject } from '../test/support/temp-project.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/test-databases.ts';
import { median, runOrchestrator, type ProcessRun } from './measure-process.ts';
import type { PhaseResult, TenantResult } from './print-results.ts';
import { TABLES_PER_PLUGIN, pluginNames, syntheticPlugin } from './synthetic-plugins.ts';

export const TENANT_CONCURRENCIES = [1, 8] as const;

/**
 * Multi-target deploy (`deploy --targets <file> --concurrency N`, issue 13) measured once the
 * CLI offers it: asked of the built CLI's `deploy --help`, so the rows start working the day
 * the option is merged, and say "skipped" until then.
 */
export async function tenantDeployAvailable(): Promise<boolean> {
  const help = await runOrchestrator(REPO_ROOT, ['deploy', '--help'], {}, 'built');
  return help.exitCode === 0 && /--targets\b/.test(help.stdout) && /--concurrency\b/.test(help.stdout);
}

/**
 * One plugin set deployed to `tenants` fresh schemas of one bench database (one URL per line,
 * `?schema=tenant_NNN`), at concurrency 1 and 8 interleaved over `rounds`, medians reported.
 * The feature is another branch's: a failure is reported in its row, not fatal to the bench.
 */
export async function benchTenants(options: { plugins: number; tenants: number; rounds: number }): Promise<TenantResult> {
  const base = { plugins: options.plugins, tenants: options.tenants, rounds: options.rounds };
  if (!(await tenantDeployAvailable())) return { ...base, skipped: 'deploy --targets not available', byConcurrency: [] };
  const names = pluginNames(options.plugins);
  const project = createTempProject('postgresql', Object.fromEntries(names.map((name) => [name, syntheticPlugin(name, false)])));
  const samples = new Map<number, ProcessRun[]>();
  const errors = new Map<number, string>();
  try {
    const generate = await runOrchestrator(project.root, ['generate'], {}, 'built');
    if (generate.exitCode !== 0) throw new Error(`generate for the tenant rows exited ${generate.exitCode}:\n${generate.stderr}`);
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of TENANT_CONCURRENCIES) {
        if (errors.has(concurrency)) continue;
        const db = await createTestDatabase('postgresql');
        try {
          const schemas = Array.from({ length: options.tenants }, (_, i) => `tenant_${String(i + 1).padStart(3, '0')}`);
          await db.exec(schemas.map((schema) => `CREATE SCHEMA "${schema}";`).join('\n'));
          const targetsFile = path.join(project.root, 'targets.txt');
          writeFileSync(targetsFile, schemas.map((schema) => `${db.url}?schema=${schema}\n`).join(''));
          const run = await runOrchestrator(project.root, ['deploy', '--targets', targetsFile, '--concurrency', String(concurrency)], {}, 'built');
          const problem = run.exitCode !== 0 ? `exit ${run.exitCode}: ${(run.stderr || run.stdout).trim().split('\n').slice(-2).join(' | ')}` : await checkTenants(db, schemas, names);
          if (problem) errors.set(concurrency, problem);
          else samples.set(concurrency, [...(samples.get(concurrency) ?? []), run]);
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    project.remove();
  }
  const byConcurrency = TENANT_CONCURRENCIES.map((concurrency) => {
    const error = errors.get(concurrency);
    const result: PhaseResult = error ? { wallMs: 0, maxRssKiB: null, error } : median(samples.get(concurrency)!);
    return { concurrency, result };
  });
  return { ...base, byConcurrency };
}

/** Every tenant schema holds exactly the plugins' tables and history tables, one finished row each. */
async function checkTenants(db: TestDatabase, schemas: string[], names: string[]): Promise<string | undefined> {
  const expected = names.length * (TABLES_PER_PLUGIN.length + 1);
  const counts = await db.query<{ schema: string; tables: string }>(
    "SELECT table_schema AS schema, COUNT(*) AS tables FROM information_schema.tables WHERE table_schema LIKE 'tenant\\_%' AND table_type = 'BASE TABLE' GROUP BY table_schema",
  );
  const wrong = schemas.filter((schema) => Number(counts.find((row) => row.schema === schema)?.tables ?? 0) !== expected);
  if (wrong.length > 0) return `${wrong.length} tenant schema(s) without the expected ${expected} tables (first: ${wrong[0]})`;
  const history = schemas.flatMap((schema) => names.map((name) => `SELECT COUNT("finished_at") AS finished FROM "${schema}"."${historyTableName(name)}"`));
  const [row] = await db.query<{ finished: string }>(`SELECT SUM(finished) AS finished FROM (${history.join(' UNION ALL ')}) AS counts`);
  const finished = Number(row?.finished ?? 0);
  return finished === history.length ? undefined : `${finished} finished history rows across the tenants, expected ${history.length}`;
}
