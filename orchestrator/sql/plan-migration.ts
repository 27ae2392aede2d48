/**
 * STAND-IN, to be replaced at merge by the real planner of the `sqlplan` branch (same path, same
 * signature). It exists only so the deploy branch's transaction model can be built and tested:
 * it splits with the old orchestrator/database/split-sql-statements.ts, finds touched tables with
 * the old regex guard, and recognises just enough for steps (BEGIN/COMMIT lines, ALTER TYPE …
 * ADD VALUE, CONCURRENTLY, VACUUM, the `-- orchestrator:` directives). For PostgreSQL it asks
 * libpg-query whether the script parses, so a syntax error is refused before deploy runs.
 * Do not build on its details; the contract is orchestrator/sql/migration-plan.ts.
 */
import type { Provider } from '../config/provider.ts';
import { splitSqlStatements } from '../database/split-sql-statements.ts';
import { tableReferences } from '../ownership/sql-table-references.ts';
import { SqlSyntaxError, type MigrationDirectives, type MigrationPlan, type MigrationStep, type PlannedStatement } from './migration-plan.ts';

export async function planMigration(script: string, provider: Provider): Promise<MigrationPlan> {
  if (provider === 'postgresql') await checkPostgresSyntax(script);
  const statements: PlannedStatement[] = [];
  let cursor = 0;
  for (const [index, sql] of splitSqlStatements(script, provider).entries()) {
    const at = script.indexOf(sql, cursor);
    cursor = at + sql.length;
    const code = withoutComments(sql);
    const words = code.split(/\s+/).filter(Boolean).map((word) => word.toUpperCase());
    const control = transactionControl(words);
    const addsEnumValue = words[0] === 'ALTER' && words[1] === 'TYPE' && words.includes('ADD') && words.includes('VALUE');
    const outside = words.includes('CONCURRENTLY') || words[0] === 'VACUUM' || (words[0] === 'CREATE' && words[1] === 'DATABASE');
    statements.push({
      index,
      sql,
      line: script.slice(0, at).split('\n').length + leadingCommentLines(sql),
      kind: words.slice(0, 2).join(' '),
      touches: tableReferences(sql).map((ref) => ({ kind: ref.kind, name: ref.table, use: ref.use })),
      transaction: outside ? 'outside-transaction' : 'transactional',
      dynamic: words[0] === 'DO' || words.includes('EXECUTE'),
      ...(control ? { transactionControl: control } : {}),
      ...(addsEnumValue ? { addsEnumValue } : {}),
    });
  }
  const directives = readDirectives(script);
  return { provider, statements, directives, steps: groupSteps(statements, directives) };
}

function groupSteps(statements: PlannedStatement[], directives: MigrationDirectives): MigrationStep[] {
  const steps: MigrationStep[] = [];
  let current: PlannedStatement[] = [];
  let inBlock = false;
  const close = () => {
    if (current.length > 0) steps.push({ transactional: true, statements: current });
    current = [];
  };
  for (const statement of statements) {
    if (statement.transactionControl === 'begin') {
      close();
      inBlock = true;
    } else if (statement.transactionControl === 'commit' || statement.transactionControl === 'rollback') {
      close();
      inBlock = false;
    } else if (statement.transactionControl) {
      continue;
    } else if (directives.noTransaction || statement.transaction === 'outside-transaction') {
      close();
      steps.push({ transactional: false, statements: [statement] });
    } else {
      current.push(statement);
      if (statement.addsEnumValue && !inBlock) close();
    }
  }
  close();
  return steps;
}

function transactionControl(words: string[]): PlannedStatement['transactionControl'] {
  switch (words[0]) {
    case 'BEGIN':
    case 'START':
      return 'begin';
    case 'COMMIT':
    case 'END':
      return 'commit';
    case 'ROLLBACK':
      return 'rollback';
    case 'SAVEPOINT':
      return 'savepoint';
    case 'RELEASE':
      return 'release';
    default:
      return undefined;
  }
}

function readDirectives(script: string): MigrationDirectives {
  const directives: MigrationDirectives = { noTransaction: false, trusted: false };
  for (const line of script.split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    if (!text.startsWith('--')) break;
    const body = text.slice(2).trim().toLowerCase();
    if (body === 'orchestrator: no-transaction') directives.noTransaction = true;
    if (body === 'orchestrator: trusted') directives.trusted = true;
  }
  return directives;
}

function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

function leadingCommentLines(sql: string): number {
  const lines = sql.split('\n');
  let count = 0;
  while (count < lines.length - 1 && (lines[count]!.trim().startsWith('--') || lines[count]!.trim() === '')) count++;
  return count;
}

async function checkPostgresSyntax(script: string): Promise<void> {
  const { parse } = await import('libpg-query');
  try {
    await parse(script);
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const line = position === undefined ? 1 : script.slice(0, position).split('\n').length;
    throw new SqlSyntaxError(error instanceof Error ? error.message : String(error), line);
  }
}
