import assert from 'node:assert/strict';
import { dumpDatabase } from './database-dump.ts';
import type { CliResult, TempProject } from './temp-project.ts';
import type { TestDatabase } from './test-databases.ts';

/**
 * Runs a CLI command that must be refused with `code`: exit 1, the code and a fix, no stack
 * trace, and not a byte of the database changed.
 */
export async function assertRefused(project: TempProject, db: TestDatabase, code: string, args: string[]): Promise<CliResult> {
  const before = await dumpDatabase(db);
  const result = await project.cli(args);
  assert.equal(result.exitCode, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^Error \\[${code}\\]`), result.stderr);
  assert.match(result.stderr, /\nFix: /);
  assert.doesNotMatch(result.stderr, /\n\s+at .*\(/, 'no stack trace');
  assert.equal(await dumpDatabase(db), before, `a refused ${args[0]} must leave the database byte-identical`);
  return result;
}
