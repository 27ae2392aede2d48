import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import { type CliRun, deploy, describeRun, errorCode, stackTraceLines } from '../cli.ts';
import { freePort, type PrivatePostgres } from '../private-postgres.ts';
import { createScenarioProject } from '../scenario-project.ts';
import { POSTGRES_ADMIN_URL } from '../../support/test-databases.ts';

/** "Fails fast": a process still running after this long counts as a hang. */
const FAST_MS = 10_000;

export interface UnreachableCase {
  name: string;
  provider: Provider;
  /** Expected exit code; undefined: any non-zero. */
  exit: number | undefined;
  /** Expected error code; undefined: any `Error [CODE]:` line. */
  code: string | undefined;
  /** A code that would mislead (e.g. MIGRATION_FAILED: "correct your migration.sql" for a bad database file). */
  notCode?: string;
  url(context: { privatePg: PrivatePostgres | undefined; scratch: string }): Promise<string> | string;
  /** For a file the deploy must not alter: its path. */
  untouchedFile?: (scratch: string) => string;
}

const onServer = (database: string) => {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

const needPrivate = (privatePg: PrivatePostgres | undefined) => {
  if (!privatePg) throw new Error('the private PostgreSQL cluster (password auth) did not start');
  return privatePg;
};

export const UNREACHABLE_CASES: UnreachableCase[] = [
  { name: 'closed port', provider: 'postgresql', exit: 3, code: 'DATABASE_UNREACHABLE', url: async () => `postgresql://postgres@127.0.0.1:${await freePort()}/app` },
  { name: 'database does not exist', provider: 'postgresql', exit: 1, code: 'DATABASE_NOT_FOUND', url: () => onServer(`orch_rel_missing_${randomBytes(4).toString('hex')}`) },
  {
    name: 'wrong password',
    provider: 'postgresql',
    exit: 1,
    code: 'DATABASE_AUTH_FAILED',
    url: ({ privatePg }) => `postgresql://postgres:wrong-password@127.0.0.1:${needPrivate(privatePg).port}/postgres`,
  },
  {
    name: 'missing password',
    provider: 'postgresql',
    exit: 1,
    code: 'DATABASE_AUTH_FAILED',
    url: ({ privatePg }) => `postgresql://postgres@127.0.0.1:${needPrivate(privatePg).port}/postgres`,
  },
  {
    name: 'SQLite file that is not a database',
    provider: 'sqlite',
    exit: 1,
    code: undefined,
    notCode: 'MIGRATION_FAILED',
    url: ({ scratch }) => {
      writeFileSync(path.join(scratch, 'notes.db'), 'These are my notes, not a database.\n'.repeat(200));
      return `file:${path.join(scratch, 'notes.db')}`;
    },
    untouchedFile: (scratch) => path.join(scratch, 'notes.db'),
  },
  { name: 'SQLite path under /proc (no such file)', provider: 'sqlite', exit: 1, code: undefined, url: () => 'file:/proc/app.db' },
  { name: 'SQLite path under /proc (a kernel file)', provider: 'sqlite', exit: 1, code: undefined, notCode: 'MIGRATION_FAILED', url: () => 'file:/proc/version' },
];

/**
 * Deploy against a database that cannot be used: the right exit code (3 only when retrying may
 * help), the right error code, a short message without a stack trace, and an end within seconds.
 */
export async function unreachable(testCase: UnreachableCase, privatePg: PrivatePostgres | undefined): Promise<{ figure: string; failures: string[] }> {
  const project = createScenarioProject({ provider: testCase.provider, plugins: ['p1'], migrations: 1 });
  const scratch = mkdtempSync(path.join(tmpdir(), 'orchestrator-reliability-'));
  const failures: string[] = [];
  try {
    const url = await testCase.url({ privatePg, scratch });
    const before = testCase.untouchedFile ? readFileSync(testCase.untouchedFile(scratch)) : undefined;
    const run: CliRun = await deploy(project.root, url, [], { timeoutMs: 15_000 });
    if (run.ms > FAST_MS) failures.push(`took ${(run.ms / 1000).toFixed(1)} s (limit ${FAST_MS / 1000} s): ${describeRun(run)}`);
    if (testCase.exit === undefined ? run.exitCode === 0 : run.exitCode !== testCase.exit) failures.push(`expected exit ${testCase.exit ?? 'non-zero'}, got ${describeRun(run)}`);
    const code = errorCode(run);
    if (!code) failures.push(`no "Error [CODE]:" line: ${describeRun(run)}`);
    else if (testCase.code && code !== testCase.code) failures.push(`expected ${testCase.code}, got ${describeRun(run)}`);
    else if (code === testCase.notCode) failures.push(`${code} blames the migration for a database problem: ${describeRun(run)}`);
    failures.push(...stackTraceLines(run).slice(0, 3).map((line) => `stack trace: ${line.trim()}`));
    if (before && !before.equals(readFileSync(testCase.untouchedFile!(scratch)))) failures.push('the file was changed');
    return { figure: `exit ${run.exitCode} ${code ?? '(no code)'} in ${(run.ms / 1000).toFixed(1)} s${run.timedOut ? ' (hung, killed)' : ''}`, failures };
  } finally {
    project.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
}
