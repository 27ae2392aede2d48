import { displayPath } from '../files/project-files.ts';
import type { Database, GroupMode, SqlRunner } from '../database/database.ts';
import { OrchestratorError } from '../errors.ts';
import { checkMigrationOwnership, ownershipError, unverifiableError } from '../ownership/check-migration-ownership.ts';
import type { TableOwnership } from '../ownership/table-ownership.ts';
import { dependencyClosures } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readPluginStates, type PluginState } from '../status/read-plugin-states.ts';
import { applyMigration, startedOutsideTransaction, stepsOf, type MigrationWork } from './apply-migration.ts';
import { migrationKey, type DeployOverrides } from './deploy-overrides.ts';
import { readMigrationPlan } from './read-migration-plan.ts';
import { definesOnlyNewObjects, readLiveObjects, type LiveObjects } from './new-objects.ts';
import { refusePartlySquashed, refuseTampering } from './refuse-tampering.ts';
import type { RoleChange } from '../database/plugin-role-store.ts';
import { createsOnlySchema, explainRoleDenial } from '../roles/explain-role-denial.ts';
import { planPluginRoles, type PluginRole } from '../roles/plan-plugin-roles.ts';
import type { RoleOptions } from '../roles/role-options.ts';
import { requirePluginRoles, syncPluginRoles } from '../roles/sync-plugin-roles.ts';

/** One plugin's share of a deploy, handed to the progress display to run. */
export interface PluginDeployStep {
  plugin: string;
  /** Migrations not yet applied (including ones whose last attempt failed), oldest first. */
  pending: string[];
  /** Applies them in order; `onApplied` fires after each commit. Returns the names applied by this process. */
  run(onApplied: (migration: string) => void): Promise<string[]>;
}

export interface DeployResult {
  plugin: string;
  applied: string[];
}

/** The whole project, which the checks before a deploy need even when it deploys a few plugins. */
export interface ProjectModel {
  /** Every plugin, in dependency order. */
  allPlugins: Plugin[];
  ownership: TableOwnership;
}

export interface RunOptions {
  /**
   * deploy --single-transaction: every pending migration of the run in one transaction, all or
   * nothing. Refused up front when a migration must commit in several steps.
   */
  singleTransaction?: boolean;
  /**
   * deploy --manage-roles (PostgreSQL): the plugin roles are synced first (roles/), each plugin's
   * migrations run as its role, and the roles are synced again after the run, for the tables it
   * created. `onRoleChanges` hears about every change made.
   */
  manageRoles?: { options: RoleOptions; onRoleChanges(changes: RoleChange[]): void };
}

/** Runs the steps, one plugin after another, e.g. as a task list. */
export type StepRunner = (steps: PluginDeployStep[]) => Promise<void>;

/**
 * Applies every pending migration of the given plugins, under the database's deploy lock.
 *
 * Before any SQL runs, everything is read and checked, and a refusal leaves the database
 * byte-identical: files that are not readable UTF-8 SQL, history tables that are malformed or
 * unreadable, a history that disagrees with the code (removed plugin, missing, renamed, edited or
 * out-of-order migration; see refuse-tampering.ts), an interrupted step that may have partly run,
 * a migration for another provider, and a pending migration that touches another plugin's tables.
 * Each migration is parsed once into a plan, which the checks and apply share. Then each
 * migration is applied step by step (apply-migration.ts); the first failure stops the deploy.
 */
export async function runDeploy(db: Database, plugins: Plugin[], project: ProjectModel, runSteps: StepRunner, overrides: DeployOverrides, options: RunOptions = {}): Promise<DeployResult[]> {
  if (options.manageRoles) requirePluginRoles(db); // SQLite: refused before anything is read
  return db.withDeployLock(async () => {
    const { states, work, mode } = await planDeploy(db, plugins, project, overrides, options);
    const roles = options.manageRoles && (await prepareRoles(db, project, work, options.manageRoles));
    // Old history tables gain plugin_version before a row of this run records it (a migration applied, a squash recorded).
    for (const { plugin, history, status } of states) {
      if ((work.get(plugin.name) ?? []).length > 0 || status.squashedToRecord.length > 0) await history.addVersionColumn();
    }
    await recordAcceptedHistory(db, states, overrides);

    const results: DeployResult[] = [];
    const steps = states.map((pluginState): PluginDeployStep => {
      const migrations = work.get(pluginState.plugin.name) ?? [];
      return {
        plugin: pluginState.plugin.name,
        pending: migrations.map((entry) => entry.migration.name),
        async run(onApplied) {
          const applied: string[] = [];
          results.push({ plugin: pluginState.plugin.name, applied });
          // Its dependencies' migrations may have just created tables it reads: grant those first.
          const role = roles?.get(pluginState.plugin.name);
          if (role && migrations.length > 0) options.manageRoles!.onRoleChanges((await syncPluginRoles(db, [role])).changes);
          for (const entry of migrations) {
            if (await applyMigration(db, pluginState.history, entry)) {
              applied.push(entry.migration.name);
              onApplied(entry.migration.name);
            }
          }
          return applied;
        },
      };
    });
    const pendingCount = [...work.values()].flat().length;
    try {
      await db.withTransactionGroup(mode, () => runSteps(steps));
    } catch (error) {
      if (!options.singleTransaction || !(error instanceof OrchestratorError)) throw error;
      throw new OrchestratorError(error.code, `${error.message}\nWith --single-transaction the whole run was rolled back: none of its ${pendingCount} pending migration(s) were kept.`, { ...(error.fix ? { fix: error.fix } : {}), cause: error.cause });
    }
    // Tables created in this run: their dependents' grants (a dependent with nothing pending included).
    if (roles && results.some((result) => result.applied.length > 0)) options.manageRoles!.onRoleChanges((await syncPluginRoles(db, [...roles.values()])).changes);
    return results;
  });
}

/** What a deploy will do, read and checked before any SQL runs: deploy and its dry run share it. */
export interface DeployPlan {
  /** The selected plugins' histories, in deploy order. */
  states: PluginState[];
  /** The migrations to run per plugin, in order, each parsed once. */
  work: Map<string, MigrationWork[]>;
  /** How the run's transactions are grouped (deploy --single-transaction: all or nothing). */
  mode: GroupMode;
}

/**
 * Reads the histories and runs every refusal check of runDeploy (tampering, interrupted steps,
 * --single-transaction, ownership), writing nothing: a plan that passes is a deploy that starts.
 */
export async function planDeploy(db: Database, plugins: Plugin[], project: ProjectModel, overrides: DeployOverrides, options: RunOptions = {}): Promise<DeployPlan> {
  const state = await readPluginStates(db, plugins, { knownPlugins: project.allPlugins.map((plugin) => plugin.name), write: true });
  refuseTampering(state, overrides);
  refusePartlySquashed(state);
  const work = await planWork(state.states, overrides, db.provider);
  refuseInterrupted(work);
  if (options.singleTransaction) refuseOutsideOneTransaction(work);
  const pending = [...work.values()].flat();
  if (pending.length > 0) {
    const live = await readLiveObjects(db);
    refuseForeignObjects(live, work, project, state.states);
    for (const entry of pending) entry.newObjectsOnly = stepsOf(entry.plan).map((step) => definesOnlyNewObjects(step, live));
  }
  if (options.manageRoles) refuseRoleChanges(work);
  return { states: state.states, work, mode: options.singleTransaction ? 'all-or-nothing' : 'keep-earlier' };
}

/** The migrations to run per plugin, in folder order, each parsed once into its plan. */
async function planWork(states: PluginState[], overrides: DeployOverrides, provider: Database['provider']): Promise<Map<string, MigrationWork[]>> {
  const work = new Map<string, MigrationWork[]>();
  const accepted = new Set(overrides.acceptOutOfOrder);
  for (const { plugin, migrations, status, rows } of states) {
    const inProgress = new Map(status.inProgress.map((entry) => [entry.name, entry]));
    const toRun = new Set([...status.pending, ...status.failed.map((f) => f.name), ...inProgress.keys(), ...status.outOfOrder.filter((name) => accepted.has(migrationKey(plugin.name, name)))]);
    const entries: MigrationWork[] = [];
    for (const migration of migrations.filter((m) => toRun.has(m.name))) {
      const plan = await readMigrationPlan(plugin.name, migration, provider);
      const row = inProgress.has(migration.name) ? rows.find((r) => r.migration_name === migration.name && r.finished_at === null && r.rolled_back_at === null) : undefined;
      const resume = row && { id: row.id, stepsDone: row.applied_steps_count, finished: false, logs: row.logs };
      // An answer counts only for a step that is really interrupted: it must never skip a step that can simply run.
      const key = migrationKey(plugin.name, migration.name);
      const interrupted = resume !== undefined && startedOutsideTransaction(resume, resume.stepsDone);
      const resolution = !interrupted ? undefined : overrides.markStepApplied.includes(key) ? 'mark-applied' : overrides.rerunStep.includes(key) ? 'rerun' : undefined;
      entries.push({ plugin: plugin.name, migration, plan, ...(resume ? { resume } : {}), ...(resolution ? { resolution } : {}) });
    }
    work.set(plugin.name, entries);
  }
  return work;
}

/**
 * A migration whose step ran outside a transaction and never finished (a failure, or a crash)
 * may have partly run: deploy neither runs it again nor skips it until told which is right.
 */
function refuseInterrupted(work: Map<string, MigrationWork[]>): void {
  for (const entry of [...work.values()].flat()) {
    if (!entry.resume || entry.resolution) continue;
    const steps = stepsOf(entry.plan);
    const index = entry.resume.stepsDone;
    if (index < steps.length && !startedOutsideTransaction(entry.resume, index)) continue;
    const key = migrationKey(entry.plugin, entry.migration.name);
    const where = `plugin "${entry.plugin}", migration ${entry.migration.name} (${displayPath(entry.migration.sqlPath)})`;
    const step = steps[index];
    if (!step) {
      // Only if the plan's steps changed under an unfinished row (e.g. another orchestrator version split it differently).
      throw new OrchestratorError('MIGRATION_INTERRUPTED', `Refusing to deploy: the history of ${where} records ${index} step(s) applied but not finished, and the migration now has ${steps.length}. Nothing was run now.`, {
        fix: 'Compare the database with the migration; once it is fully applied, finish the row by hand: UPDATE the history table SET "finished_at" = CURRENT_TIMESTAMP for this migration.',
      });
    }
    const statements = step.statements.map((s) => `line ${s.line}: ${s.sql.split('\n').join('\n    ')}`).join('\n  ');
    throw new OrchestratorError('MIGRATION_INTERRUPTED', `Refusing to deploy: ${where} was interrupted at step ${index + 1} of ${steps.length}, which runs outside a transaction and may have partly run:\n  ${statements}\nLast log: ${(entry.resume.logs ?? '').split('\n').at(-1)}\nSteps 1 to ${index} are applied. Nothing was run now.`, {
      fix: `Check the database. If the step's change is complete (finish it by hand if needed), run deploy --mark-step-applied ${key}. If you undid it (e.g. DROP INDEX CONCURRENTLY an INVALID index), run deploy --rerun-step ${key}. To settle the whole migration instead: orchestrator resolve ${entry.plugin} ${entry.migration.name} --applied (you finished it) or --rolled-back (you undid all of it; deploy runs it from step 1).`,
    });
  }
}

/**
 * --single-transaction runs every migration in one transaction, so it cannot run a step that
 * must be outside one (CREATE INDEX CONCURRENTLY, VACUUM, a no-transaction migration), nor a
 * migration whose steps must commit one after another (ALTER TYPE … ADD VALUE before a use of
 * the value), nor resume one half applied. Checked before any SQL runs.
 */
function refuseOutsideOneTransaction(work: Map<string, MigrationWork[]>): void {
  const refusals = [...work.values()].flat().flatMap((entry) => {
    const steps = stepsOf(entry.plan);
    const where = `plugin "${entry.plugin}", migration ${entry.migration.name} (${displayPath(entry.migration.sqlPath)})`;
    const outside = steps.findIndex((step) => !step.transactional);
    if (outside !== -1) {
      const statement = steps[outside]!.statements[0]!;
      return [`${where}: line ${statement.line} must run outside a transaction (${statement.kind})`];
    }
    if (entry.resume) return [`${where}: it is half applied (${entry.resume.stepsDone} of ${steps.length} steps), and resumes step by step`];
    if (steps.length > 1) return [`${where}: its ${steps.length} steps must commit one after another (a new enum value cannot be used before it is committed)`];
    return [];
  });
  if (refusals.length === 0) return;
  throw new OrchestratorError('MIGRATION_INVALID', `Refusing deploy --single-transaction: every pending migration must run inside one transaction, and these cannot:\n  ${refusals.join('\n  ')}\nNothing was run.`, {
    fix: 'Deploy without --single-transaction (each migration commits on its own), or first deploy the plugins of these migrations on their own (deploy <plugin>), then the rest with --single-transaction.',
  });
}

function refuseForeignObjects(live: LiveObjects, work: Map<string, MigrationWork[]>, project: ProjectModel, states: PluginState[]): void {
  const closures = dependencyClosures(project.allPlugins);
  // `DROP INDEX "x"` names no table: the live catalog says which table x is on.
  const { indexTables: liveIndexTables, targetSchema } = live;
  const findings = states.map((state) =>
    checkMigrationOwnership({
      plugin: state.plugin,
      dependencies: closures.get(state.plugin.name) ?? new Set(),
      migrations: work.get(state.plugin.name) ?? [],
      ownership: project.ownership,
      targetSchema,
      ...(liveIndexTables ? { liveIndexTables } : {}),
    }),
  );
  const violations = findings.flatMap((finding) => finding.violations);
  if (violations.length > 0) throw ownershipError(violations);
  const unverifiable = findings.flatMap((finding) => finding.unverifiable);
  if (unverifiable.length > 0) throw unverifiableError(unverifiable);
}

/**
 * With roles managed, a migration runs as its plugin's role; one that changes the session's role
 * itself (SET ROLE, RESET ROLE, …) would run what follows with the deployer's privileges.
 * Checked on the plan, trusted migrations included, before any SQL runs.
 */
function refuseRoleChanges(work: Map<string, MigrationWork[]>): void {
  const found = [...work.values()].flat().flatMap((entry) =>
    entry.plan.statements.filter((statement) => statement.changesRole).map((statement) => `plugin "${entry.plugin}", migration ${entry.migration.name} (${displayPath(entry.migration.sqlPath)}:${statement.line}): ${statement.kind}`),
  );
  if (found.length === 0) return;
  throw new OrchestratorError('MIGRATION_INVALID', `Refusing deploy --manage-roles: these statements change the role the session acts as, which would end the plugin's role for what follows:\n  ${found.join('\n  ')}\nNothing was run.`, {
    fix: 'Remove them: deploy runs each plugin\'s migrations as its role and writes the history as the deployer by itself.',
  });
}

/**
 * Syncs every plugin's role before any migration runs (creating the roles, handing existing
 * tables to them; a missing privilege refuses here, before any change), and has each pending
 * migration run as its plugin's role.
 */
async function prepareRoles(db: Database, project: ProjectModel, work: Map<string, MigrationWork[]>, manage: NonNullable<RunOptions['manageRoles']>): Promise<Map<string, PluginRole>> {
  const roles = new Map(planPluginRoles(project.allPlugins, project.ownership, manage.options).map((role) => [role.plugin, role]));
  manage.onRoleChanges((await syncPluginRoles(db, [...roles.values()])).changes);
  const store = requirePluginRoles(db);
  for (const entry of [...work.values()].flat()) {
    const role = roles.get(entry.plugin)!;
    entry.runAs = { role: role.role, runsAsDeployer: (statement) => createsOnlySchema(statement, store.schema), explain: (statement, cause) => explainRoleDenial(store, role, project.ownership.tables, statement, cause) };
  }
  return roles;
}

/**
 * Writes what the accepted overrides decided (renames, new checksums, forgotten migrations), and
 * the squashed migrations whose replaced ones are all applied (recorded, never run), in one
 * transaction, after every check passed.
 */
async function recordAcceptedHistory(db: Database, states: PluginState[], overrides: DeployOverrides): Promise<void> {
  const changes = states.flatMap((state) => {
    const key = (name: string) => migrationKey(state.plugin.name, name);
    return [
      ...state.status.renamed.filter((r) => overrides.acceptRenamed.includes(key(r.to))).map((r) => (tx: SqlRunner) => state.history.rename(tx, r.from, r.to)),
      ...state.status.modified.filter((name) => overrides.acceptModified.includes(key(name))).map((name) => (tx: SqlRunner) => state.history.acceptChecksum(tx, name, state.migrations.find((m) => m.name === name)!.checksum)),
      ...state.status.missing.filter((name) => overrides.acceptMissing.includes(key(name))).map((name) => (tx: SqlRunner) => state.history.forget(tx, name, `Folder removed from disk; accepted by deploy --accept-missing on ${new Date().toISOString()}.`)),
      ...state.status.squashedToRecord.map((squash) => (tx: SqlRunner) =>
        state.history.recordWithoutRunning(tx, { name: squash.name, checksum: state.migrations.find((m) => m.name === squash.name)!.checksum, logs: `Squash of ${squash.replaces.join(', ')}, all applied: recorded by deploy without running it.` }),
      ),
    ];
  });
  if (changes.length === 0) return;
  await db.transaction(async (tx) => {
    for (const change of changes) await change(tx);
  });
}
