import type { CommandContext } from '../context/command-context.ts';
import { reportTask } from '../context/progress-event.ts';
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../database/deploy-lock-options.ts';
import { withDatabase } from '../database/with-database.ts';
import { OrchestratorError } from '../errors.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';
import { NO_OVERRIDES, type DeployOverrides } from './deploy-overrides.ts';
import { runDeploy, type PluginDeployStep } from './run-deploy.ts';

export interface DeployOptions extends Partial<DeployOverrides> {
  /** Seconds to wait for another deploy (PostgreSQL's lock, SQLite's write lock); else ORCHESTRATOR_LOCK_TIMEOUT, else each database's default. 0 fails at once. */
  lockTimeout?: number;
  /** Every pending migration in one transaction, all or nothing (run-deploy.ts). */
  singleTransaction?: boolean;
}

/** What became of one pending migration in this deploy. */
export interface MigrationOutcome {
  name: string;
  /**
   * applied: committed by this deploy. failed: its step failed and was rolled back (`error` says
   * why). skipped: not run, because an earlier migration failed. rolled-back: applied, then undone
   * with the rest of a --single-transaction run that failed.
   */
  status: 'applied' | 'failed' | 'skipped' | 'rolled-back';
  error?: unknown;
}

/** One plugin's share of a deploy. Plugins with nothing pending have no migrations listed. */
export interface PluginDeployReport {
  plugin: string;
  migrations: MigrationOutcome[];
}

export interface DeployReport {
  /** The database, with any password hidden. */
  database: string;
  /** Every deployed plugin (the selected ones and their dependencies), in dependency order. */
  plugins: PluginDeployReport[];
  /** Migrations this deploy committed. */
  applied: number;
  /**
   * Set when a migration failed once applying had begun (the migrations before it stay applied,
   * unless --single-transaction). A deploy refused before any SQL ran throws instead.
   */
  error?: OrchestratorError | Error;
}

/**
 * Applies pending migrations, plugin by plugin in dependency order. Throws (an OrchestratorError)
 * when it refuses before running any SQL, leaving the database unchanged; once applying has
 * begun it always resolves, with each migration's outcome and the `error` that stopped it.
 */
export async function deployProject(context: CommandContext, options: DeployOptions): Promise<DeployReport> {
  const { project, progress } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, context.pluginNames, { withDependencies: true });
  // Reading every plugin's models costs a few milliseconds a plugin: only a deploy with pending migrations needs it.
  let ownership: ObjectOwnership | undefined;
  const model = {
    allPlugins,
    get ownership() {
      ownership ??= collectOwnership(readProjectModels(project, allPlugins).values());
      return ownership;
    },
  };
  // One wait limit for both databases: the deploy lock on PostgreSQL, the busy timeout on SQLite.
  const seconds = lockTimeoutSeconds(options, context.env);
  const lock = { ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }), onWait: (message: string) => void progress({ type: 'lock-waiting', command: 'deploy', message }) };
  const reports = plugins.map((plugin): PluginDeployReport => ({ plugin: plugin.name, migrations: [] }));
  let database = project.databaseUrl;
  let applying = false;
  try {
    await withDatabase(project.databaseUrl, project.root, { create: true, command: 'deploy', lock }, async (db) => {
      database = db.displayUrl;
      await runDeploy(db, plugins, model, async (steps) => {
        applying = true;
        for (const step of steps) reports.find((report) => report.plugin === step.plugin)!.migrations.push(...step.pending.map((name) => ({ name, status: 'skipped' as const })));
        // Only plugins with work are reported: a container start with 200 plugins up to date shows one line.
        for (const step of steps.filter((s) => s.pending.length > 0)) await runStep(context, step, reports.find((report) => report.plugin === step.plugin)!);
      }, { ...NO_OVERRIDES, ...options }, { singleTransaction: options.singleTransaction === true });
    });
  } catch (error) {
    if (!applying) throw error;
    if (options.singleTransaction) for (const outcome of reports.flatMap((report) => report.migrations)) if (outcome.status === 'applied') outcome.status = 'rolled-back';
    return { database, plugins: reports, applied: countApplied(reports), error: error as Error };
  }
  return { database, plugins: reports, applied: countApplied(reports) };
}

async function runStep(context: CommandContext, step: PluginDeployStep, report: PluginDeployReport): Promise<void> {
  const outcome = (name: string) => report.migrations.find((migration) => migration.name === name)!;
  await reportTask(context.progress, { command: 'deploy', plugin: step.plugin, title: `${step.plugin}: applying ${step.pending.length} migration(s)`, pending: step.pending }, async () => {
    const applied: string[] = [];
    try {
      await step.run((migration) => {
        applied.push(migration);
        outcome(migration).status = 'applied';
        void context.progress({ type: 'migration-applied', command: 'deploy', plugin: step.plugin, migration });
      });
    } catch (error) {
      const failed = report.migrations.find((migration) => migration.status === 'skipped');
      if (failed) Object.assign(failed, { status: 'failed', error });
      throw error;
    }
    return { value: applied, summary: applied.length === 0 ? `${step.plugin}: up to date` : `${step.plugin}: applied ${applied.join(', ')}` };
  });
}

function countApplied(reports: PluginDeployReport[]): number {
  return reports.reduce((sum, report) => sum + report.migrations.filter((migration) => migration.status === 'applied').length, 0);
}

/** --lock-timeout, else ORCHESTRATOR_LOCK_TIMEOUT; undefined leaves each database its default. */
function lockTimeoutSeconds(options: DeployOptions, env: NodeJS.ProcessEnv): number | undefined {
  if (options.lockTimeout !== undefined) return options.lockTimeout;
  if (!env.ORCHESTRATOR_LOCK_TIMEOUT) return undefined;
  const seconds = Number(env.ORCHESTRATOR_LOCK_TIMEOUT);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new OrchestratorError('CONFIG_INVALID', `ORCHESTRATOR_LOCK_TIMEOUT="${env.ORCHESTRATOR_LOCK_TIMEOUT}" is not a number of seconds.`, {
      fix: `Set it to the seconds deploy may wait for another deploy's lock (0 fails at once; default ${DEFAULT_LOCK_TIMEOUT_SECONDS}).`,
    });
  }
  return seconds;
}
