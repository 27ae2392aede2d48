import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { deploy, describeRun, errorCode, stackTraceLines } from '../cli.ts';
import { createDatabase, firstDifference, type SuiteDatabase } from '../databases.ts';
import { createRng } from '../prng.ts';
import { copyProject, createScenarioProject, modelsFor, writeScenarioPlugin } from '../scenario-project.ts';
import { FUZZ_GENERATORS, type FuzzCase } from './fuzz-cases.ts';

/** Cases run three at a time: each is part CPU (the CLI), part waiting (pg_dump, CREATE DATABASE). */
const LANES = 3;
/** "A short message": stderr longer than this is not one (a huge input echoed back, say). */
const SHORT_STDERR = 10_000;
/** The tables the base project owns; a case that succeeds must leave them exactly as they were. */
const BASE_TABLES = ['one_log', 'two_log', '_prisma_migrations_one', '_prisma_migrations_two'];

interface Base {
  root: string;
  db: SuiteDatabase;
  dump: string;
  fingerprint: string;
}

/**
 * The applied project every case starts from: plugin `one` (2 migrations, an index) and `two`
 * (depends on one), deployed. Each case copies it and its database, adds or breaks something
 * (mostly a new plugin `fz`), and deploys once.
 */
async function createBase(provider: Provider): Promise<Base> {
  const spec = { provider, plugins: ['one'], migrations: 2, extraSql: (_: string, k: number) => (k === 1 ? 'CREATE INDEX "one_log_migration_idx" ON "one_log" ("migration");\n' : '') };
  const project = createScenarioProject(spec);
  writeFileSync(path.join(project.root, 'plugins/one/models.prisma'), modelsFor('one').replace('\n  @@map', '\n  @@index([migration], map: "one_log_migration_idx")\n  @@map'));
  writeScenarioPlugin(project.root, { provider, plugins: ['two'], migrations: 1 }, 'two');
  writeFileSync(path.join(project.root, 'plugins/two/plugin.json'), JSON.stringify({ version: '1.0.0', dependsOn: ['one'] }));
  const db = await createDatabase(provider, 'delete');
  const run = await deploy(project.root, db.url);
  if (run.exitCode !== 0) throw new Error(`the fuzz base deploy failed on ${provider}: ${describeRun(run)}`);
  return { root: project.root, db, dump: await db.dump(), fingerprint: await fingerprint(db) };
}

/** The base plugins' tables, indexes and rows, read back: what a "safe" success must not change. */
async function fingerprint(db: SuiteDatabase): Promise<string> {
  const tables = await db.tables();
  const parts: string[] = [];
  for (const table of BASE_TABLES) {
    if (!tables.includes(table)) {
      parts.push(`${table}: missing`);
      continue;
    }
    parts.push(`${table}: ${(await db.columns(table)).join(',')}`);
    parts.push(JSON.stringify(await db.query(`SELECT * FROM "${table}" ORDER BY "id"`)));
  }
  const list = BASE_TABLES.map((t) => `'${t}'`).join(', ');
  const indexes =
    db.provider === 'sqlite'
      ? await db.query(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN (${list}) ORDER BY name`)
      : await db.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN (${list}) ORDER BY indexname`);
  parts.push(JSON.stringify(indexes));
  return parts.join('\n');
}

interface Outcome {
  kind: 'refused' | 'failed migration rolled back' | 'succeeded safely' | 'FAILED';
  problems: string[];
}

async function runCase(fuzzCase: FuzzCase, provider: Provider, seed: number, base: Base): Promise<Outcome> {
  const root = copyProject(base.root);
  const db = await base.db.clone();
  try {
    fuzzCase.apply({ root, provider, rng: createRng(seed) });
    const run = await deploy(root, db.url, [], { timeoutMs: 30_000 });
    const problems: string[] = [];
    if (run.timedOut) problems.push('hung (killed after 30 s)');
    problems.push(...stackTraceLines(run).slice(0, 2).map((line) => `stack trace: ${line.trim().slice(0, 160)}`));
    if (run.exitCode === 0 && !run.timedOut) {
      if (fuzzCase.expect === 'refuse') problems.push(`accepted (exit 0): this input must be refused. ${run.stdout.split('\n').at(-2) ?? ''}`.trim());
      const after = await fingerprint(db);
      if (after !== base.fingerprint) problems.push(`succeeded but changed the base plugins' tables: ${firstDifference(base.fingerprint, after)}`);
      return { kind: problems.length ? 'FAILED' : 'succeeded safely', problems };
    }
    const code = errorCode(run);
    if (!code) problems.push(`no "Error [CODE]:" line: ${describeRun(run)}`);
    // Bad input is permanent: exit 3 would make the container entrypoint retry it.
    else if (run.exitCode !== 1) problems.push(`exit ${run.exitCode} (${code}): a bad input should exit 1`);
    if (run.stderr.length > SHORT_STDERR) problems.push(`stderr is ${run.stderr.length} characters, not a short message`);
    if (code === 'MIGRATION_FAILED' && fuzzCase.expect === 'either') {
      // It ran and was rolled back: a failed-attempt row is expected, the base tables untouched.
      const after = await fingerprint(db);
      if (after !== base.fingerprint) problems.push(`the failed migration changed the base plugins' tables: ${firstDifference(base.fingerprint, after)}`);
      return { kind: problems.length ? 'FAILED' : 'failed migration rolled back', problems };
    }
    if (code === 'MIGRATION_FAILED') problems.push(`ran it (MIGRATION_FAILED) instead of refusing it before any SQL: ${describeRun(run)}`);
    const dump = await db.dump();
    if (dump !== base.dump) problems.push(`refused (${code ?? `exit ${run.exitCode}`}) but the database changed: ${firstDifference(base.dump, dump)}`);
    return { kind: problems.length ? 'FAILED' : 'refused', problems };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await db.drop();
  }
}

/**
 * ≥150 generated bad inputs (seeded, reproducible): each must succeed safely or exit non-zero
 * with a short coded message and no stack trace, the database dump byte-identical after every
 * refusal. RELIABILITY_FUZZ_CASE=<n> replays one case of a seed.
 */
export async function fuzz(seed: number, count: number): Promise<{ figure: string; failures: string[] }> {
  const bases = new Map<Provider, Base>();
  for (const provider of ['sqlite', 'postgresql'] as const) bases.set(provider, await createBase(provider));
  const only = process.env.RELIABILITY_FUZZ_CASE === undefined ? undefined : Number(process.env.RELIABILITY_FUZZ_CASE);
  const indexes = only === undefined ? Array.from({ length: count }, (_, i) => i) : [only];
  const categories = new Map<string, number>();
  const kinds = new Map<string, number>();
  const failures: string[] = [];
  try {
    let next = 0;
    const lane = async () => {
      while (next < indexes.length) {
        const index = indexes[next++]!;
        const fuzzCase = FUZZ_GENERATORS[index % FUZZ_GENERATORS.length]!;
        const caseSeed = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
        const provider = fuzzCase.provider ?? createRng(caseSeed).pick(['sqlite', 'postgresql'] as const);
        categories.set(fuzzCase.category, (categories.get(fuzzCase.category) ?? 0) + 1);
        const outcome = await runCase(fuzzCase, provider, caseSeed, bases.get(provider)!).catch((error: unknown): Outcome => ({
          kind: 'FAILED',
          problems: [`the case itself crashed: ${error instanceof Error ? error.message : String(error)}`],
        }));
        kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
        if (outcome.problems.length > 0) {
          failures.push(`case ${index} (seed ${seed}) [${fuzzCase.category}] ${fuzzCase.label.slice(0, 70)} on ${provider}: ${outcome.problems.join('; ')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
  } finally {
    for (const base of bases.values()) {
      rmSync(base.root, { recursive: true, force: true });
      await base.db.drop();
    }
  }
  const byCategory = [...categories].map(([category, n]) => `${category} ${n}`).join(', ');
  const byOutcome = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
  return { figure: `${indexes.length} cases, seed ${seed} (${byCategory}): ${byOutcome}`, failures };
}
