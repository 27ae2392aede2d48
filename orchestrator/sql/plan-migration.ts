import type { Provider } from '../config/provider.ts';
import { SqlSyntaxError, type MigrationDirectives, type MigrationPlan, type MigrationStep, type PlannedStatement } from './migration-plan.ts';
import { sqlDialectFor } from './sql-dialects.ts';

/**
 * Directives are comment lines at the top of migration.sql, before its first statement, one or
 * more per line:
 *
 *   -- orchestrator: no-transaction
 *   -- orchestrator: trusted
 *   -- orchestrator: trusted, no-transaction
 *
 * An unknown directive is an error (a typo must not silently turn a guard off).
 */
const DIRECTIVE_PREFIX = 'orchestrator:';
const DIRECTIVES = { 'no-transaction': 'noTransaction', trusted: 'trusted' } as const;

/**
 * Reads a migration once into the plan that the ownership check, the transaction model, a dry
 * run and apply all read. Throws SqlSyntaxError (1-based line) for SQL the provider's dialect
 * cannot read, an unknown directive, or transaction statements that do not pair up.
 */
export async function planMigration(script: string, provider: Provider): Promise<MigrationPlan> {
  const statements = await sqlDialectFor(provider).readStatements(script);
  const directives = readDirectives(script, statements[0]?.line ?? Number.POSITIVE_INFINITY);
  return { provider, statements, directives, steps: groupSteps(statements, directives) };
}

function readDirectives(script: string, firstStatementLine: number): MigrationDirectives {
  const directives: MigrationDirectives = { noTransaction: false, trusted: false };
  const lines = script.split('\n');
  for (let i = 0; i < lines.length && i + 1 < firstStatementLine; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('--')) continue;
    const comment = line.slice(2).trim();
    if (!comment.startsWith(DIRECTIVE_PREFIX)) continue;
    for (const word of comment.slice(DIRECTIVE_PREFIX.length).split(',').map((part) => part.trim())) {
      if (!Object.hasOwn(DIRECTIVES, word)) {
        throw new SqlSyntaxError(`unknown directive "${word}" (known: ${Object.keys(DIRECTIVES).join(', ')})`, i + 1);
      }
      directives[DIRECTIVES[word as keyof typeof DIRECTIVES]] = true;
    }
  }
  return directives;
}

/**
 * The transaction model's input. Rules, in order:
 * 1. An explicit `BEGIN; … COMMIT;` block in the script (the engine writes one when it removes an
 *    enum value) becomes exactly one transactional step; its BEGIN and COMMIT are dropped, since
 *    deploy opens and commits the step's transaction itself.
 * 2. With the `no-transaction` directive, every other statement is a step of its own, run outside
 *    any transaction.
 * 3. A statement the database refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, …)
 *    is a non-transactional step of its own.
 * 4. Consecutive other statements form one transactional step, which ends right after
 *    `ALTER TYPE … ADD VALUE` statements, so the new value is committed before a later statement
 *    uses it (PostgreSQL: "unsafe use of new value").
 * SAVEPOINT, RELEASE, ROLLBACK, a BEGIN without COMMIT (or the reverse), and a statement of rule 3
 * inside a block have no meaning deploy could keep: they are errors.
 */
function groupSteps(statements: PlannedStatement[], directives: MigrationDirectives): MigrationStep[] {
  const steps: MigrationStep[] = [];
  let open: PlannedStatement[] = [];
  let block: { begin: PlannedStatement; statements: PlannedStatement[] } | undefined;
  const flush = () => {
    if (open.length > 0) steps.push({ transactional: true, statements: open });
    open = [];
  };
  for (const [i, statement] of statements.entries()) {
    switch (statement.transactionControl) {
      case undefined:
        break;
      case 'begin':
        if (block) throw new SqlSyntaxError(`${statement.kind} inside the transaction opened at line ${block.begin.line}`, statement.line);
        flush();
        block = { begin: statement, statements: [] };
        continue;
      case 'commit':
        if (!block) throw new SqlSyntaxError(`${statement.kind} without a BEGIN before it`, statement.line);
        if (block.statements.length > 0) steps.push({ transactional: true, statements: block.statements });
        block = undefined;
        continue;
      default:
        throw new SqlSyntaxError(`${statement.kind} is not supported in a migration: deploy runs BEGIN … COMMIT blocks as one transaction, and nothing finer`, statement.line);
    }
    if (block) {
      if (statement.transaction === 'outside-transaction') {
        throw new SqlSyntaxError(`${statement.kind} cannot run inside the transaction opened at line ${block.begin.line}`, statement.line);
      }
      block.statements.push(statement);
    } else if (directives.noTransaction || statement.transaction === 'outside-transaction') {
      flush();
      steps.push({ transactional: false, statements: [statement] });
    } else {
      open.push(statement);
      if (statement.addsEnumValue && !statements[i + 1]?.addsEnumValue) flush();
    }
  }
  if (block) throw new SqlSyntaxError(`${block.begin.kind} without a COMMIT after it`, block.begin.line);
  flush();
  return steps;
}
