import { displayPath } from '../files/project-files.ts';
import { previewStatement } from '../sql/sql-text.ts';
import { randomUUID } from 'node:crypto';
import { BatchError, type Database, type SqlRunner } from '../database/database.ts';
import type { AttemptState, HistoryStore } from '../database/history-store.ts';
import { classifyDatabaseError, describeDatabaseError, driverErrorCode } from '../database/classify-database-error.ts';
import { OrchestratorError } from '../errors.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';
import type { MigrationPlan, MigrationStep, PlannedStatement } from '../sql/migration-plan.ts';
import { alreadyExistsFix } from './already-exists-hint.ts';

/** What the history row's `logs` say while a step runs outside a transaction (read back by `startedOutsideTransaction`). */
const STARTED_OUTSIDE = 'started outside a transaction';

/** A migration to apply, read once: its file, its plan, and where a previous attempt stopped. */
export interface MigrationWork {
  plugin: string;
  migration: MigrationOnDisk;
  plan: MigrationPlan;
  /** The in-progress history row of an earlier attempt that committed some steps. */
  resume?: AttemptState;
  /** The user's answer for an interrupted step outside a transaction: they finished it, or undid it. */
  resolution?: 'mark-applied' | 'rerun';
  /** deploy --manage-roles: the plugin's statements run as its role (the history as the deployer). */
  runAs?: PluginRunAs;
  /** Per step: it only defines objects this deploy creates (new-objects.ts), so it may share a transaction. */
  newObjectsOnly?: boolean[];
}

export interface PluginRunAs {
  role: string;
  /**
   * True for a statement the deployer runs before the role takes over: Prisma's first migration
   * opens with `CREATE SCHEMA IF NOT EXISTS "<schema>"`, which needs CREATE on the database even
   * when the schema exists, a privilege no plugin role has.
   */
  runsAsDeployer(statement: PlannedStatement): boolean;
  /** Which privilege on which table the role lacked, when the database refused a statement (42501). */
  explain(statement: PlannedStatement | undefined, cause: unknown): Promise<string | undefined>;
}

/**
 * The steps deploy runs: the plan's, or for a migration with no statements (comments only) one
 * empty transactional step, so it is still recorded.
 */
export function stepsOf(plan: MigrationPlan): MigrationStep[] {
  return plan.steps.length > 0 ? plan.steps : [{ transactional: true, statements: [] }];
}

/**
 * True when the row says step `index` (0-based) was started outside a transaction and never
 * recorded as done: it may have partly run, so deploy must not run or skip it on its own.
 */
export function startedOutsideTransaction(attempt: AttemptState, index: number): boolean {
  return attempt.stepsDone === index && (attempt.logs ?? '').startsWith(`Step ${index + 1} of `) && (attempt.logs ?? '').includes(STARTED_OUTSIDE);
}

/**
 * Applies one migration step by step, recording progress in its history row
 * (`applied_steps_count`, and `finished_at` after the last step):
 * - a transactional step runs in one transaction with its progress update, so after a crash
 *   the row says exactly which steps are in the database, and deploy resumes at the next one;
 * - a step that must run outside a transaction (CREATE INDEX CONCURRENTLY, or every statement of
 *   a `-- orchestrator: no-transaction` migration) is first marked as started, then run in
 *   autocommit, then recorded. If it fails or the process dies, the mark stays and the next
 *   deploy stops with MIGRATION_INTERRUPTED instead of guessing.
 * A migration of one transactional step is therefore all-or-nothing, as before: a failure rolls
 * everything back and records a failed attempt beside it.
 *
 * Returns false when another process applied the migration first (seen under the write lock).
 */
export async function applyMigration(db: Database, history: HistoryStore, work: MigrationWork): Promise<boolean> {
  const { migration, plan } = work;
  const steps = stepsOf(plan);
  const where = `Plugin "${work.plugin}", migration ${migration.name} (${displayPath(migration.sqlPath)})`;
  const startedAt = new Date();
  let attempt = work.resume && { ...work.resume };

  if (attempt && work.resolution === 'mark-applied') {
    const done = attempt.stepsDone + 1;
    await history.progress(db, attempt.id, { stepsDone: done, finished: done === steps.length, logs: `Step ${done} of ${steps.length} marked as applied by hand (deploy --mark-step-applied).` });
    attempt = { ...attempt, stepsDone: done };
  }

  /** Checks, under the write lock, that the history is where this process left it; false: someone else finished the migration. */
  const stillOurs = async (tx: SqlRunner, index: number): Promise<boolean> => {
    const current = await history.currentAttempt(tx, migration.name);
    if (current?.finished) return false;
    if (attempt ? current?.id === attempt.id && current.stepsDone === index : current === undefined) return true;
    throw new OrchestratorError('MIGRATION_INTERRUPTED', `${where} is being applied by another deploy (${current?.stepsDone ?? 0} of ${steps.length} steps recorded). Nothing more was run.`, {
      fix: 'Wait for the other deploy to finish, then run deploy again; it resumes or reports where the migration stands.',
    });
  };
  const recording = (stepsDone: number, logs: string | null) => recordingSql(history, work, startedAt, attempt, steps.length, stepsDone, logs);
  const record = async (tx: SqlRunner, stepsDone: number, logs: string | null): Promise<AttemptState> => {
    const { sql, state } = recording(stepsDone, logs);
    await tx.execute(sql);
    return state;
  };

  for (let index = attempt?.stepsDone ?? 0; index < steps.length; index++) {
    const step = steps[index]!;
    const label = steps.length > 1 ? `step ${index + 1} of ${steps.length}, ` : '';
    if (step.transactional) {
      // One batch (one round trip on PostgreSQL): the history table, the step, its progress.
      const before = attempt ? [] : [history.ensureTableSql()];
      const done = recording(index + 1, null);
      try {
        const guard = async (tx: SqlRunner) => {
          if (!attempt) await history.ensureTable(tx); // what the guard reads must exist
          return stillOurs(tx, index);
        };
        const leading = work.runAs ? step.statements.findIndex((statement) => !work.runAs!.runsAsDeployer(statement)) : 0;
        const runAs = work.runAs && { role: work.runAs.role, from: before.length + (leading === -1 ? step.statements.length : leading), to: before.length + step.statements.length };
        if (!(await db.runBatch([...before, ...step.statements.map((s) => s.sql), done.sql], guard, { ...(runAs ? { runAs } : {}), newObjectsOnly: sharesTransaction(work, index) }))) return false;
        attempt = done.state;
        // The script commits between its steps (its own COMMIT, or an enum value used later): so does deploy.
        if (index < steps.length - 1) await db.commitGroup();
      } catch (error) {
        if (error instanceof OrchestratorError) throw error;
        const cause = error instanceof BatchError ? error.cause : error;
        const failing = error instanceof BatchError && error.index !== undefined ? step.statements[error.index - before.length] : undefined;
        if (work.runAs && driverErrorCode(cause) === '42501') {
          const kept = index === 0 ? 'The migration was rolled back: none of its changes and no history row were kept.' : `Step ${index + 1} was rolled back; steps 1 to ${index} were committed earlier.`;
          throw await roleDenied(work, work.runAs, `${label}${failing ? statementAt(plan, failing) : 'while committing:\n'}`, failing, cause, kept);
        }
        // A lost connection, a lock wait or a refused login is not the migration's fault: say so, and record no attempt.
        const classified = classifyDatabaseError(cause, { displayUrl: db.displayUrl, migration: { plugin: work.plugin, name: migration.name } });
        if (classified) throw classified;
        const at = `${label}${failing ? statementAt(plan, failing) : 'while committing:\n'}`;
        const logs = `${at}${describeDatabaseError(cause)}`;
        if (!attempt) {
          await history.recordFailure({ name: migration.name, checksum: migration.checksum, startedAt, logs }).catch(() => {});
          const exists = await alreadyExistsFix(db, work.plugin, failing).catch(() => undefined);
          throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${describeDatabaseError(cause)}\nThe migration was rolled back: none of its changes and no success row were kept. Deploy stopped here.`, {
            fix: exists ?? `Correct ${migration.sqlPath} (or the data it trips on), then run deploy again; it retries this migration. If you made its changes by hand instead, record it: orchestrator resolve ${work.plugin} ${migration.name} --applied.`,
            cause,
          });
        }
        await history.setLogs(attempt.id, logs).catch(() => {});
        throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${describeDatabaseError(cause)}\nSteps 1 to ${index} of ${steps.length} were committed earlier; step ${index + 1} was rolled back. Deploy stopped here.`, {
          fix: `Correct the cause (the data, or a statement of step ${index + 1} and later), then run deploy again: it resumes at step ${index + 1}. If you undid steps 1 to ${index} by hand, run orchestrator resolve ${work.plugin} ${migration.name} --rolled-back (deploy then runs it from step 1); if you finished the migration by hand, run it with --applied.`,
          cause,
        });
      }
    } else {
      // Marked as started, and committed, before it runs: a crash from here on is never mistaken for "not run".
      const mark = startedMark(step, index, steps.length);
      const claimed = await db.transaction(async (tx) => {
        if (!attempt) await history.ensureTable(tx);
        if (!(await stillOurs(tx, index))) return undefined;
        return record(tx, index, mark);
      });
      if (!claimed) return false;
      attempt = claimed;
      let failing: PlannedStatement | undefined;
      try {
        for (const statement of step.statements) {
          failing = statement;
          await db.executeAs(statement.sql, work.runAs?.role);
        }
      } catch (error) {
        const at = `${label}${statementAt(plan, failing!)}`;
        await history.setLogs(claimed.id, `${mark}\nFailed at ${at}${describeDatabaseError(error)}`).catch(() => {});
        // The step is marked started either way, so the next deploy stops at it (MIGRATION_INTERRUPTED).
        if (work.runAs && driverErrorCode(error) === '42501') {
          throw await roleDenied(work, work.runAs, at, failing, error, `This step ran outside a transaction: its start is recorded, so deploy will stop at it (MIGRATION_INTERRUPTED) until you resolve it with deploy --rerun-step ${work.plugin}/${migration.name} once corrected. Steps 1 to ${index} were committed earlier.`);
        }
        const classified = classifyDatabaseError(error, { displayUrl: db.displayUrl, migration: { plugin: work.plugin, name: migration.name } });
        if (classified) throw classified;
        throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${describeDatabaseError(error)}\nThis step ran outside a transaction, so it may have left something behind (PostgreSQL keeps an INVALID index after a failed CREATE INDEX CONCURRENTLY). Steps 1 to ${index} were committed earlier. Deploy stopped here, and will refuse this migration (MIGRATION_INTERRUPTED) until you resolve the step.`, {
          fix: `Undo what the step left (e.g. DROP INDEX CONCURRENTLY the invalid index), correct the cause, then run deploy --rerun-step ${work.plugin}/${migration.name}; or finish it by hand and run deploy --mark-step-applied ${work.plugin}/${migration.name}. For the whole migration: orchestrator resolve ${work.plugin} ${migration.name} --rolled-back once you undid all of it, or --applied once you finished all of it.`,
          cause: error,
        });
      }
      attempt = await record(db, index + 1, null);
    }
  }
  return true;
}

/**
 * The plugin's role was refused a privilege: its migration reached for an object it may not
 * touch, whatever the SQL check saw (a trusted DO block, an application table). The step was
 * rolled back and no history row written: the database is as it was before the step.
 */
async function roleDenied(work: MigrationWork, runAs: PluginRunAs, at: string, failing: PlannedStatement | undefined, cause: unknown, kept: string): Promise<OrchestratorError> {
  const lacks = await runAs.explain(failing, cause).catch(() => undefined);
  const where = `Plugin "${work.plugin}", migration ${work.migration.name} (${displayPath(work.migration.sqlPath)})`;
  return new OrchestratorError('PLUGIN_ROLE_DENIED', `${where} was refused by the database at ${at}The plugin's migrations run as role "${runAs.role}", which lacks ${lacks ?? 'a privilege on an object the plugin does not own'}.\nDatabase error: ${describeDatabaseError(cause)}\n${kept} Deploy stopped here.`, {
    fix: `A plugin may change only its own tables; it may read (SELECT) and reference the tables of the plugins in its "dependsOn", nothing else. Move this change into the migrations of the plugin that owns the table, or remove it from ${displayPath(work.migration.sqlPath)}.`,
    cause,
  });
}

/**
 * What applying a migration sends, in order, when every step succeeds; a preview renders it with
 * the database's transaction framing (deploy --dry-run, sql):
 * - `unit`: one transaction (a savepoint inside a group) with the step's history write;
 * - `commit`: the migration commits here (its own COMMIT between steps, an enum value used later);
 * - `autocommit`: a statement outside any transaction.
 */
export type RunEvent = { kind: 'unit'; step: number; statements: string[]; newObjectsOnly: boolean } | { kind: 'commit' } | { kind: 'autocommit'; step: number; statement: string };

/**
 * The writes applyMigration makes for `work`, in its order, without the reads of its guards.
 * Ids and timestamps are those of a run now; a real deploy picks its own. Without a history
 * (no database to read it from), the history writes are left out.
 */
export function plannedEvents(history: HistoryStore | undefined, work: MigrationWork): RunEvent[] {
  const steps = stepsOf(work.plan);
  const startedAt = new Date();
  const events: RunEvent[] = [];
  let attempt = work.resume && { ...work.resume };
  /** The history write of reaching `stepsDone`, as applyMigration records it (none without a history). */
  const record = (stepsDone: number, logs: string | null): string[] => {
    if (!history) return [];
    const { sql, state } = recordingSql(history, work, startedAt, attempt, steps.length, stepsDone, logs);
    attempt = state;
    return [sql];
  };
  if (attempt && work.resolution === 'mark-applied') {
    const done = attempt.stepsDone + 1;
    for (const statement of record(done, `Step ${done} of ${steps.length} marked as applied by hand (deploy --mark-step-applied).`)) events.push({ kind: 'autocommit', step: done - 1, statement });
  }
  for (let index = attempt?.stepsDone ?? 0; index < steps.length; index++) {
    const step = steps[index]!;
    const before = attempt || !history ? [] : [history.ensureTableSql()];
    if (step.transactional) {
      events.push({ kind: 'unit', step: index, statements: [...before, ...step.statements.map((s) => s.sql), ...record(index + 1, null)], newObjectsOnly: sharesTransaction(work, index) });
      if (index < steps.length - 1) events.push({ kind: 'commit' });
    } else {
      events.push({ kind: 'unit', step: index, statements: [...before, ...record(index, startedMark(step, index, steps.length))], newObjectsOnly: false });
      for (const statement of [...step.statements.map((s) => s.sql), ...record(index + 1, null)]) events.push({ kind: 'autocommit', step: index, statement });
    }
  }
  return events;
}

/**
 * Whether step `index` may share a transaction with its neighbours (Database.runBatch). Not under
 * a plugin's role: its `SET LOCAL ROLE` would outlast the step in a shared transaction.
 */
function sharesTransaction(work: MigrationWork, index: number): boolean {
  return work.newObjectsOnly?.[index] === true && work.runAs === undefined;
}

/** The progress write of an attempt (its first row when there is none yet), and the state the caller adopts once its transaction committed. */
function recordingSql(history: HistoryStore, work: MigrationWork, startedAt: Date, attempt: AttemptState | undefined, stepCount: number, stepsDone: number, logs: string | null): { sql: string; state: AttemptState } {
  const finished = stepsDone === stepCount;
  if (attempt) return { sql: history.progressSql(attempt.id, { stepsDone, finished, logs }), state: { ...attempt, stepsDone, finished, logs } };
  const id = randomUUID();
  const { migration } = work;
  return { sql: history.startSql({ id, name: migration.name, checksum: migration.checksum, startedAt, stepsDone, finished, logs }), state: { id, stepsDone, finished, logs } };
}

/** The logs of a step started outside a transaction, written and committed before it runs. */
function startedMark(step: MigrationStep, index: number, stepCount: number): string {
  return `Step ${index + 1} of ${stepCount} ${STARTED_OUTSIDE} (${step.statements.map((s) => `line ${s.line}`).join(', ')}): ${previewStatement(step.statements.map((s) => s.sql).join(';\n'))}`;
}

/** "statement 3 of 5 (line 12):\n  <sql>\n", for messages and the history's logs. */
export function statementAt(plan: MigrationPlan, statement: PlannedStatement): string {
  const position = plan.statements.indexOf(statement);
  return `statement ${(position === -1 ? statement.index : position) + 1} of ${plan.statements.length} (line ${statement.line}):\n  ${previewStatement(statement.sql)}\n`;
}
