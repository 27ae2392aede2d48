import type { Provider } from '../config/provider.ts';
import type { PlannedStatement } from './migration-plan.ts';

/**
 * What one database's SQL looks like to the orchestrator: how a script splits into statements,
 * and what each statement does (the objects it touches, whether it may run in a transaction,
 * whether it is dynamic). planMigration and the ownership check read these facts and never
 * branch on the provider themselves.
 */
export interface SqlDialect {
  readonly provider: Provider;
  /** For messages: "PostgreSQL", "SQLite". */
  readonly displayName: string;
  /** The schema unqualified names land in when the connection names none: `public`, `main`. */
  readonly defaultSchema: string;
  /**
   * Reads a whole script into statements, in order, with their facts; comment-only text is no
   * statement. Throws SqlSyntaxError (1-based line) for text that is not this database's SQL.
   */
  readStatements(script: string): Promise<PlannedStatement[]>;
  /**
   * The form two names are compared in: two names denote the same object exactly when their keys
   * are equal. PostgreSQL compares exactly (its parser already folded unquoted names); SQLite
   * folds ASCII case, quoted or not.
   */
  nameKey(name: string): string;
}
