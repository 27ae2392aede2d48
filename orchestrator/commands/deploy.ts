import type { Project } from '../config/load-project.ts';
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../database/deploy-lock-options.ts';
import { withDatabase } from '../database/with-database.ts';
import { OrchestratorError } from '../errors.ts';
import type { DeployOverrides } from '../deploy/deploy-overrides.ts';
import { formatPreview, previewDeploy } from '../deploy/preview-deploy.ts';
import { runDeploy, type PluginDeployStep, type ProjectModel } from '../deploy/run-deploy.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runTasks } from '../ui/run-tasks.ts';

export interface DeployOptions extends DeployOverrides {
  /** Seconds to wait for another deploy (PostgreSQL's lock, SQLite's write lock); else ORCHESTRATOR_LOCK_TIMEOUT, else each database's default. 0 fails at once. */
  lockTimeout?: number;
  /** Every pending migration in one transaction, all or nothing (run-deploy.ts). */
  singleTransaction?: boolean;
  /** Print the SQL deploy would run (after all of its checks), run nothing. */
  dryRun?: boolean;
  /** With --dry-run: print it as JSON. */
  json?: boolean;
}

/** `deploy [plugin...]`: applies pending migrations to DATABASE_URL. Returns the summary line. */
export async function deployCommand(project: Project, pluginNames: string[], options: DeployOptions): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames, { withDependencies: true });
  const model = projectModel(project, allPlugins);
  if (options.json && !options.dryRun) {
    throw new OrchestratorError('CONFIG_INVALID', 'deploy --json prints the statements of a dry run: it needs --dry-run. Nothing was run.', { fix: 'Run deploy --dry-run --json to see what deploy would run, or deploy without --json to run it.' });
  }
  if (options.dryRun) {
    // Opens nothing new: no SQLite file, no PostgreSQL schema is created for a preview.
    return withDatabase(project.databaseUrl, project.root, { create: false, command: 'deploy' }, async (db) => {
      const preview = await previewDeploy(db, plugins, model, options, { singleTransaction: options.singleTransaction === true });
      return options.json ? JSON.stringify(preview, null, 2) : formatPreview(preview);
    });
  }
  // One wait limit for both databases: the deploy lock on PostgreSQL, the busy timeout on SQLite.
  const seconds = lockTimeoutSeconds(options);
  const lock = { ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }), onWait: (message: string) => console.error(message) };
  return withDatabase(project.databaseUrl, project.root, { create: true, command: 'deploy', lock }, async (db) => {
    const results = await runDeploy(db, plugins, model, async (steps) => {
      // Only plugins with work get a task line: a container start with 200 plugins up to date prints one line.
      const pending = steps.filter((step) => step.pending.length > 0);
      if (pending.length > 0) await runTasks(pending.map(toTask));
    }, options, { singleTransaction: options.singleTransaction === true });
    const changed = results.filter((result) => result.applied.length > 0);
    const applied = changed.reduce((sum, result) => sum + result.applied.length, 0);
    return applied === 0
      ? `Nothing to deploy: ${plugins.length} plugin(s) up to date on ${db.displayUrl}.`
      : `Applied ${applied} migration(s) across ${changed.length} plugin(s) on ${db.displayUrl}.`;
  });
}

/** The whole project's model for deploy's checks. Reading every plugin's models costs a few milliseconds a plugin: only a deploy with pending migrations needs it. */
export function projectModel(project: Project, allPlugins: Plugin[]): ProjectModel {
  let ownership: ObjectOwnership | undefined;
  return {
    allPlugins,
    get ownership() {
      ownership ??= collectOwnership(readProjectModels(project, allPlugins).values());
      return ownership;
    },
  };
}

/** --lock-timeout, else ORCHESTRATOR_LOCK_TIMEOUT; undefined leaves each database its default. */
function lockTimeoutSeconds(options: DeployOptions, env: NodeJS.ProcessEnv = process.env): number | undefined {
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

function toTask(step: PluginDeployStep) {
  return {
    title: `${step.plugin}: applying ${step.pending.length} migration(s)`,
    async run(report: (text: string) => void) {
      const applied = await step.run((migration) => report(`applied ${migration}`));
      if (applied.length === 0) return `${step.plugin}: up to date`;
      return `${step.plugin}: applied ${applied.join(', ')}`;
    },
  };
}
