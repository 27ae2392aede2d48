import type { CommandContext } from '../context/command-context.ts';
import { reportLockWaits, reportTask } from '../context/progress-event.ts';
import { parseDatabaseUrl } from '../database/database-url.ts';
import type { OrchestratorError } from '../errors.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { deployDatabase, lazyProjectModel, type DeployOptions as DatabaseDeployOptions } from './deploy-database.ts';
import { NO_OVERRIDES } from './deploy-overrides.ts';
import type { PluginDeployStep } from './run-deploy.ts';
import type { RoleChange } from '../database/plugin-role-store.ts';

/** deploy's options: the wait limit, --single-transaction and the history overrides, each optional. */
export type DeployOptions = Partial<DatabaseDeployOptions>;

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
  /** With manageRoles: each role created, privilege granted or revoked, and table handed over. */
  roleChanges: RoleChange[];
  /**
   * Set when a migration failed once applying had begun (the migrations before it stay applied,
   * unless --single-transaction). A deploy refused before any SQL ran throws instead.
   */
  error?: OrchestratorError | Error;
}

/**
 * Applies pending migrations to the project's database, plugin by plugin in dependency order.
 * Throws (an OrchestratorError) when it refuses before running any SQL, leaving the database
 * unchanged; once applying has begun it always resolves, with each migration's outcome and the
 * `error` that stopped it.
 */
export async function deployProject(context: CommandContext, options: DeployOptions): Promise<DeployReport> {
  const { project, progress } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, context.pluginNames, { withDependencies: true });
  const reports = plugins.map((plugin): PluginDeployReport => ({ plugin: plugin.name, migrations: [] }));
  const roleChanges: RoleChange[] = [];
  let applying = false;
  try {
    const { displayUrl } = await deployDatabase(project, project.databaseUrl, plugins, lazyProjectModel(project, allPlugins), {
      ...NO_OVERRIDES,
      ...options,
      env: context.env,
      ...reportLockWaits(progress, 'deploy'),
      onRoleChanges: (changes) => roleChanges.push(...changes),
      async runSteps(steps) {
        applying = true;
        for (const step of steps) reports.find((report) => report.plugin === step.plugin)!.migrations.push(...step.pending.map((name) => ({ name, status: 'skipped' as const })));
        // Only plugins with work are reported: a container start with 200 plugins up to date shows one line.
        for (const step of steps.filter((s) => s.pending.length > 0)) await runStep(context, step, reports.find((report) => report.plugin === step.plugin)!);
      },
    });
    return { database: displayUrl, plugins: reports, applied: countApplied(reports), roleChanges };
  } catch (error) {
    if (!applying) throw error;
    if (options.singleTransaction) for (const outcome of reports.flatMap((report) => report.migrations)) if (outcome.status === 'applied') outcome.status = 'rolled-back';
    // Applying began, so the URL parsed: its display form hides the password.
    const { displayUrl } = parseDatabaseUrl(project.databaseUrl, project.root, context.env);
    return { database: displayUrl, plugins: reports, applied: countApplied(reports), roleChanges, error: error as Error };
  }
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
