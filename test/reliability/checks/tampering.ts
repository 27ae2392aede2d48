import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun, errorCode, stackTraceLines } from '../cli.ts';
import { createDatabase, firstDifference, type SuiteDatabase } from '../databases.ts';
import { copyProject, createScenarioProject, inspectEffects, migrationName, migrationSql } from '../scenario-project.ts';

interface TamperCase {
  name: string;
  /** The error code a refusal must print; undefined: deploy must proceed (exit 0). */
  code: string | undefined;
  tamper(root: string, provider: Provider): void;
}

const migrationsOf = (root: string, plugin: string) => path.join(root, 'plugins', plugin, 'migrations');

/** Each case edits a project whose p1 has 3 applied migrations and p2 has 1. */
export const TAMPER_CASES: TamperCase[] = [
  { name: 'applied migration deleted', code: 'MIGRATION_MISSING', tamper: (root) => rmSync(path.join(migrationsOf(root, 'p1'), migrationName(2)), { recursive: true }) },
  {
    name: 'applied migration renamed',
    code: 'MIGRATION_RENAMED',
    tamper: (root) => renameSync(path.join(migrationsOf(root, 'p1'), migrationName(2)), path.join(migrationsOf(root, 'p1'), `${migrationName(2).slice(0, 14)}_renamed`)),
  },
  {
    name: 'new migration sorting before applied ones',
    code: 'MIGRATION_OUT_OF_ORDER',
    tamper: (root) => {
      const dir = path.join(migrationsOf(root, 'p1'), `${migrationName(1).slice(0, 14)}_zz_hotfix`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'migration.sql'), `INSERT INTO "p1_log" ("migration") VALUES ('hotfix');\n`);
    },
  },
  { name: 'plugin removed, history table kept', code: 'PLUGIN_REMOVED', tamper: (root) => rmSync(path.join(root, 'plugins', 'p2'), { recursive: true }) },
  {
    name: 'applied migration edited',
    code: 'MIGRATION_MODIFIED',
    tamper: (root) => {
      const file = path.join(migrationsOf(root, 'p1'), migrationName(2), 'migration.sql');
      writeFileSync(file, `${readFileSync(file, 'utf8')}INSERT INTO "p1_log" ("migration") VALUES ('edited');\n`);
    },
  },
  {
    // The lead's decision: line endings are not an edit (git checkouts on Windows rewrite them).
    name: 'CRLF-only change, plus a new migration',
    code: undefined,
    tamper: (root, provider) => {
      const file = path.join(migrationsOf(root, 'p1'), migrationName(2), 'migration.sql');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
      const next = path.join(migrationsOf(root, 'p1'), migrationName(4));
      mkdirSync(next);
      writeFileSync(path.join(next, 'migration.sql'), migrationSql(provider, 'p1', 4));
    },
  },
];

/**
 * One tampering case on both databases: a refusal must exit 1 with its code, no stack
 * trace, and leave the database dump byte-identical; the CRLF case must deploy.
 */
export async function tampering(tamperCase: TamperCase, bases: Map<Provider, { root: string; db: SuiteDatabase }>): Promise<{ figure: string; failures: string[] }> {
  const failures: string[] = [];
  const figures: string[] = [];
  for (const [provider, base] of bases) {
    const root = copyProject(base.root);
    const db = await base.db.clone();
    try {
      tamperCase.tamper(root, provider);
      const before = await db.dump();
      const run = await deploy(root, db.url);
      const after = await db.dump();
      const label = provider === 'postgresql' ? 'pg' : provider;
      failures.push(...stackTraceLines(run).map((line) => `${label}: stack trace: ${line.trim()}`));
      if (tamperCase.code) {
        const identical = before === after;
        figures.push(`${label} exit ${run.exitCode} ${errorCode(run) ?? '(no code)'}${identical ? ', dump identical' : ', DUMP CHANGED'}`);
        // A refusal is permanent (exit 1), never "retry" (3): the files must change first.
        if (run.exitCode !== 1 || errorCode(run) !== tamperCase.code) failures.push(`${label}: expected exit 1 with ${tamperCase.code}, got ${describeRun(run)}`);
        if (!identical) failures.push(`${label}: database changed: ${firstDifference(before, after)}`);
      } else {
        const effects = await inspectEffects(db, { provider, plugins: ['p1'], migrations: 4 });
        figures.push(`${label} exit ${run.exitCode}, p1 ${effects.applied}/4 applied`);
        if (run.exitCode !== 0) failures.push(`${label}: expected deploy to proceed, got ${describeRun(run)}`);
        failures.push(...effects.problems.map((problem) => `${label}: ${problem}`));
        if (effects.applied !== 4) failures.push(`${label}: expected 4/4 applied, found ${effects.applied}`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      await db.drop();
    }
  }
  return { figure: figures.join('; '), failures };
}

/** The applied state every case starts from: p1 with 3 migrations and p2 with 1, deployed. */
export async function tamperBase(provider: Provider): Promise<{ root: string; db: SuiteDatabase; remove(): Promise<void> }> {
  const spec = { provider, plugins: ['p1'], migrations: 3 };
  const project = createScenarioProject(spec);
  const p2 = createScenarioProject({ provider, plugins: ['p2'], migrations: 1 });
  // p2 has one migration; copying its folder beside p1 keeps one project.
  renameSync(path.join(p2.root, 'plugins', 'p2'), path.join(project.root, 'plugins', 'p2'));
  p2.remove();
  const db = await createDatabase(provider);
  const run = await deploy(project.root, db.url);
  if (run.exitCode !== 0) throw new Error(`the base deploy failed: ${describeRun(run)}`);
  return { root: project.root, db, remove: async () => (project.remove(), await db.drop()) };
}
