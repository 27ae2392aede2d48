/**
 * A migration.sql read once, into the plan every later stage reads: the ownership check, the
 * transaction model, a dry run and apply. Produced by the provider's SQL dialect
 * (orchestrator/sql/*-sql-dialect.ts), never by regexes over the text.
 *
 * CONTRACT shared by the schema, SQL and deploy work: change it only together.
 */
import type { Provider } from '../config/provider.ts';

/**
 * The kinds of database object a statement can touch. `enum` stands for any PostgreSQL type
 * (enums are the types plugins own; domains and composite types share their namespace).
 */
export type ObjectKind = 'table' | 'enum' | 'index' | 'sequence' | 'view' | 'trigger' | 'function' | 'schema' | 'other';

/**
 * How a statement uses an object:
 * - `write`: creates, alters, drops, renames it, or changes its rows (INSERT/UPDATE/DELETE/TRUNCATE/…);
 * - `reference`: a foreign key points at it (REFERENCES), or a type is used by a column;
 * - `read`: only reads it (SELECT, a sub-query, the USING of a DELETE).
 */
export type ObjectUse = 'write' | 'reference' | 'read';

export interface TouchedObject {
  kind: ObjectKind;
  /**
   * As the database will see it: unquoted names already case-folded the dialect's way (PostgreSQL
   * folds to lower case; SQLite keeps the spelling and compares ignoring ASCII case). Compare
   * names with the dialect's `nameKey` (orchestrator/sql/sql-dialect.ts), never with `===`.
   */
  name: string;
  /** The schema named in the statement (`public.books` → `public`); undefined when unqualified. */
  schema?: string;
  use: ObjectUse;
  /** For indexes and constraints: the table they are on, when the statement says so (CREATE INDEX … ON t). */
  table?: string;
}

/** Whether a statement may, or must not, run inside a transaction. */
export type TransactionNeed =
  /** Runs inside the migration's transaction (nearly everything). */
  | 'transactional'
  /** PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …). */
  | 'outside-transaction';

export interface PlannedStatement {
  /** 0-based position in the migration. */
  index: number;
  /** The statement's text without its trailing `;` (comments before it trimmed). */
  sql: string;
  /** 1-based line in migration.sql where the statement starts, for error messages. */
  line: number;
  /** A short human label, e.g. "CREATE TABLE", "ALTER TYPE … ADD VALUE", "DELETE". */
  kind: string;
  touches: TouchedObject[];
  transaction: TransactionNeed;
  /**
   * The objects it touches cannot be known from the text: DO blocks, EXECUTE, function bodies,
   * CALL. The ownership check refuses these unless the migration is marked trusted.
   */
  dynamic: boolean;
  /**
   * It changes the role the session acts as (SET ROLE, RESET ROLE, SET SESSION AUTHORIZATION,
   * set_config('role', …), DISCARD ALL): deploy --manage-roles refuses it, since it would end
   * the plugin's role for the statements after it.
   */
  changesRole?: boolean;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT … written in the script itself; not run as such (see steps). */
  transactionControl?: 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'other';
  /**
   * PostgreSQL `ALTER TYPE … ADD VALUE`: the new value may not be used in the same transaction,
   * so the step ends after it (prisma/prisma#8424).
   */
  addsEnumValue?: boolean;
  /** What the statement may destroy or refuse on a table with rows (generate warns about these). */
  risks?: DataLossRisk[];
  /**
   * It defines schema objects (CREATE / ALTER of tables, types, indexes, sequences; COMMENT ON)
   * and reads or writes no rows, so it queues no constraint checks for the commit. Deploy lets
   * such statements on objects the same deploy created share a transaction (see Database.runBatch).
   */
  definesSchemaOnly?: boolean;
}

/**
 * A change that may lose data, or fail on a table that holds rows, read from the statement's
 * parse tree by its dialect. Names as in TouchedObject.
 */
export interface DataLossRisk {
  /**
   * - `drop-table`, `drop-column`: the rows, or the column's values, are gone;
   * - `change-type`: values that do not fit the new type are cut, or make the migration fail;
   * - `required-column`: a NOT NULL column without a default: the migration fails on a table with rows;
   * - `set-not-null`: an existing column becomes required: the migration fails while it holds NULLs.
   */
  kind: 'drop-table' | 'drop-column' | 'change-type' | 'required-column' | 'set-not-null';
  table: string;
  column?: string;
}

/**
 * Comment directives at the top of a migration.sql, before its first statement:
 * `-- orchestrator: no-transaction`, `-- orchestrator: trusted` (or both, comma-separated).
 */
export interface MigrationDirectives {
  /** Run each statement on its own, outside any transaction (documented opt-out). */
  noTransaction: boolean;
  /** Dynamic SQL (DO blocks, EXECUTE) is allowed; the author vouches for what it touches. */
  trusted: boolean;
}

/**
 * A unit deploy runs and records on its own. A transactional step commits together with the
 * history's progress (`applied_steps_count`); a non-transactional step is one statement in
 * autocommit, recorded right after it.
 */
export interface MigrationStep {
  transactional: boolean;
  statements: PlannedStatement[];
}

export interface MigrationPlan {
  provider: Provider;
  /** Every statement, in order, transaction-control statements included. */
  statements: PlannedStatement[];
  directives: MigrationDirectives;
  /** The statements to run, grouped into steps (transaction-control statements removed). */
  steps: MigrationStep[];
}

/** A migration.sql that cannot be read as SQL of its provider; `line` is 1-based in the file. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}
