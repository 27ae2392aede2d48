import { classifyDatabaseError, describeDatabaseError } from '../database/classify-database-error.ts';
import { BatchError, type Database, type SqlRunner } from '../database/database.ts';
import type { HistoryStore } from '../database/history-store.ts';
import { statementAt, stepsOf } from '../deploy/apply-migration.ts';
import { readMigrationPlan } from '../deploy/read-migration-plan.ts';
import { OrchestratorError } from '../errors.ts';
import { displayPath } from '../files/project-files.ts';
import { DOWN_FILE, readDownScript, type MigrationOnDisk } from '../migrations/migrations-folder.ts';
import { checkMigrationOwnership, ownershipError, unverifiableError } from '../ownership/check-migration-ownership.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { dependencyClosures } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { MigrationPlan } from '../sql/migration-plan.ts';
import { previewStatement } from '../sql/sql-text.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';
import { readPluginStates, type PluginState } from '../status/read-plugin-states.ts';
import { chooseRollback, type RollbackTarget } from './choose-rollback.ts';
import { dependentLinks, removedTables } from './removed-tables.ts';

/** The whole project, which the checks need: the dependency graph and who owns which table. */
export interface RollbackProject {
  /** Every plugin, in dependency order. */
  allPlugins: Plugin[];
  ownership: ObjectOwnership;
}

/** A migration to undo, read once: the migration, its down.sql (as a migration of its own, for the checks and messages) and its plan. */
interface UndoWork {
  migration: MigrationOnDisk;
  down: MigrationOnDisk;
  plan: MigrationPlan;
}

export interface RollbackResult {
  plugin: string;
  /** The migrations undone, newest first. */
  rolledBack: string[];
}

/**
 * Asked once every check passed, with what will be undone; throws to refuse (confirmDataLoss).
 */
export type ConfirmRollback = (summary: string) => Promise<void>;

/**
 * Undoes a plugin's newest applied migrations, newest first, under the deploy lock: each
 * migration's down.sql runs in the transaction that marks its history row rolled back (kept as
 * the audit trail; deploy applies the migration again in a new row). Before any SQL runs, and
 * leaving the database byte-identical, it refuses: a migration that is not applied, a missing or
 * unreadable down.sql, a down script that touches another plugin's objects or must run outside
 * a transaction, and one that would drop a table another plugin's (or the application's) foreign
 * keys point at, as the live catalog shows them. Then `confirm` is asked.
 */
export async function runRollback(db: Database, plugin: Plugin, project: RollbackProject, target: RollbackTarget, confirm: ConfirmRollback): Promise<RollbackResult> {
  return db.withDeployLock(async () => {
    const { states } = await readPluginStates(db, [plugin], { knownPlugins: project.allPlugins.map((p) => p.name), write: true });
    const state = states[0]!;
    const names = chooseRollback(state, target);
    if (names.length === 0) return { plugin: plugin.name, rolledBack: [] };
    const work: UndoWork[] = [];
    for (const name of names) work.push(await readUndo(state, state.migrations.find((m) => m.name === name)!, db.provider));
    await refuseForeignObjects(db, plugin, project, work);
    await refuseDependents(db, plugin, project, work);
    await confirm(summarize(db, plugin, work));
    const rolledBack: string[] = [];
    for (const entry of work) {
      await undo(db, state.history, state, entry, rolledBack);
      rolledBack.push(entry.migration.name);
    }
    return { plugin: plugin.name, rolledBack };
  });
}

async function readUndo(state: PluginState, migration: MigrationOnDisk, provider: Database['provider']): Promise<UndoWork> {
  const where = `Plugin "${state.plugin.name}", migration ${migration.name}`;
  const script = readDownScript(state.plugin, migration);
  if (!script) {
    throw new OrchestratorError('DOWN_MIGRATION_MISSING', `${where} has no ${DOWN_FILE} (${displayPath(migration.dir)}): it was generated before generate wrote down scripts, or written by hand. Rollback cannot undo it. Nothing was changed.`, {
      fix: `Write ${displayPath(migration.dir)}/${DOWN_FILE} by hand: the SQL that returns the plugin's tables to how the migration before it left them (review it as you would a migration), then run rollback again.`,
    });
  }
  const down: MigrationOnDisk = { ...migration, sqlPath: script.path, sql: script.sql };
  const plan = await readMigrationPlan(state.plugin.name, down, provider);
  const outside = stepsOf(plan).flatMap((step) => (step.transactional ? [] : step.statements));
  if (outside.length > 0) {
    throw new OrchestratorError('MIGRATION_INVALID', `${where}: its ${DOWN_FILE} runs ${outside[0]!.kind} (${displayPath(script.path)}:${outside[0]!.line}) outside a transaction, so it could not be undone together with its history row. Nothing was changed.`, {
      fix: `Make ${displayPath(script.path)} transactional (e.g. DROP INDEX instead of DROP INDEX CONCURRENTLY, no "-- orchestrator: no-transaction"), or undo the migration by hand.`,
    });
  }
  return { migration, down, plan };
}

/** The same SQL ownership check as deploy: a down script may change only its own plugin's objects. */
async function refuseForeignObjects(db: Database, plugin: Plugin, project: RollbackProject, work: UndoWork[]): Promise<void> {
  const liveIndexTables = db.listIndexTables ? await db.listIndexTables() : undefined;
  const findings = checkMigrationOwnership({
    plugin,
    dependencies: dependencyClosures(project.allPlugins).get(plugin.name) ?? new Set(),
    migrations: work.map((entry) => ({ migration: entry.down, plan: entry.plan })),
    ownership: project.ownership,
    targetSchema: db.schema ?? sqlDialectFor(db.provider).defaultSchema,
    ...(liveIndexTables ? { liveIndexTables } : {}),
  });
  if (findings.violations.length > 0) throw ownershipError(findings.violations, 'roll back');
  if (findings.unverifiable.length > 0) throw unverifiableError(findings.unverifiable, 'roll back');
}

/** Refuses to drop a table that another plugin's (or the application's) foreign keys point at. */
async function refuseDependents(db: Database, plugin: Plugin, project: RollbackProject, work: UndoWork[]): Promise<void> {
  const dialect = sqlDialectFor(db.provider);
  const removed = removedTables(work.map((entry) => entry.plan), dialect);
  if (removed.size === 0) return;
  const links = dependentLinks(await db.listForeignKeys(), removed, (table) => project.ownership.tables.get(table) === plugin.name, dialect);
  if (links.length === 0) return;
  const holder = (table: string) => {
    const owner = project.ownership.tables.get(table);
    return owner ? `plugin "${owner}"` : 'no plugin (made by hand?)';
  };
  const lines = links.map((link) => `  - table "${link.table}" (${holder(link.table)}) has a foreign key to "${link.references}"`);
  const owners = [...new Set(links.map((link) => project.ownership.tables.get(link.table)).filter((owner) => owner !== undefined))];
  throw new OrchestratorError('ROLLBACK_BLOCKED', `Refusing to roll back plugin "${plugin.name}" (${work.map((entry) => entry.migration.name).join(', ')}): its down scripts drop tables that other tables still reference:\n${lines.join('\n')}\nThose rows would point at nothing (PostgreSQL refuses the drop; SQLite would keep dangling keys). Nothing was changed.`, {
    fix: owners.length > 0
      ? `First roll back (or change and deploy) the plugin(s) ${owners.map((owner) => `"${owner}"`).join(', ')} so that they no longer reference those tables, then roll back "${plugin.name}".`
      : 'Drop those foreign keys first (they are not any plugin\'s), then roll back again.',
  });
}

/** What confirmDataLoss shows: the database, and each down script's statements. */
function summarize(db: Database, plugin: Plugin, work: UndoWork[]): string {
  const lines = work.flatMap((entry) => [
    `  ${entry.migration.name} (${displayPath(entry.down.sqlPath)}):`,
    ...entry.plan.statements.filter((statement) => !statement.transactionControl).map((statement) => `    ${previewStatement(statement.sql).split('\n')[0]}`),
  ]);
  return `Rolling back ${work.length} migration(s) of plugin "${plugin.name}" on ${db.displayUrl}, newest first:\n${lines.join('\n')}`;
}

/**
 * Runs one down script and marks the migration's history row rolled back, in one transaction
 * (the last step's, when the script commits between steps: see stepsOf). A failure rolls back
 * that transaction: the migration stays applied, and the rollback stops there.
 */
async function undo(db: Database, history: HistoryStore, state: PluginState, entry: UndoWork, before: string[]): Promise<void> {
  const { migration, down, plan } = entry;
  const row = state.rows.find((r) => r.migration_name === migration.name && r.finished_at !== null && r.rolled_back_at === null)!;
  const steps = stepsOf(plan);
  const note = `Rolled back by "orchestrator rollback" on ${new Date().toISOString()}: ran ${DOWN_FILE}.`;
  const where = `Plugin "${state.plugin.name}", migration ${migration.name}: its ${DOWN_FILE} (${displayPath(down.sqlPath)})`;
  for (const [index, step] of steps.entries()) {
    const last = index === steps.length - 1;
    const statements = step.statements.map((statement) => statement.sql);
    try {
      // Re-checked under the write lock: another process may have rolled it back meanwhile.
      const stillApplied = async (tx: SqlRunner) => (await history.currentAttempt(tx, migration.name))?.id === row.id;
      if (!(await db.runBatch(last ? [...statements, history.rollBackSql(row.id, note)] : statements, stillApplied))) {
        throw new OrchestratorError('MIGRATION_INTERRUPTED', `${where} was not run: another process changed the migration's history meanwhile.`, {
          fix: `Run "orchestrator status ${state.plugin.name}" to see where it stands, then rollback again if needed.`,
        });
      }
    } catch (error) {
      if (error instanceof OrchestratorError) throw error;
      const cause = error instanceof BatchError ? error.cause : error;
      const classified = classifyDatabaseError(cause, { displayUrl: db.displayUrl, migration: { plugin: state.plugin.name, name: migration.name } });
      if (classified) throw classified;
      const failing = error instanceof BatchError && error.index !== undefined ? step.statements[error.index] : undefined;
      const at = `${steps.length > 1 ? `step ${index + 1} of ${steps.length}, ` : ''}${failing ? statementAt(plan, failing) : 'while committing:\n'}`;
      const committed = index > 0 ? ` Steps 1 to ${index} of it were committed earlier; the migration stays recorded as applied.` : ' It was rolled back: the migration stays applied.';
      const done = before.length > 0 ? ` Already rolled back: ${before.join(', ')}.` : '';
      throw new OrchestratorError('MIGRATION_FAILED', `${where} failed at ${at}Database error: ${describeDatabaseError(cause)}\n${committed.trim()}${done} Rollback stopped here.`, {
        fix: `Correct ${displayPath(down.sqlPath)} (or the data it trips on), then run rollback again.`,
        cause,
      });
    }
  }
}
