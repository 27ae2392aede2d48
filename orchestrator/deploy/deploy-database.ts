import type { Project } from '../config/load-project.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../database/deploy-lock-options.ts';
import { withDatabase } from '../database/with-database.ts';
import { OrchestratorError } from '../errors.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { DeployOverrides } from './deploy-overrides.ts';
import { runDeploy, type DeployResult, type ProjectModel, type StepRunner } from './run-deploy.ts';
import type { RoleChange } from '../database/plugin-role-store.ts';
import { roleOptions } from '../roles/role-options.ts';

export interface DeployOptions extends DeployOverrides {
  /** Seconds to wait for another deploy (PostgreSQL's lock, SQLite's write lock); else ORCHESTRATOR_LOCK_TIMEOUT, else each database's default. 0 fails at once. */
  lockTimeout?: number;
  /** Every pending migration in one transaction, all or nothing (run-deploy.ts). */
  singleTransaction?: boolean;
  /** PostgreSQL: one role per plugin, each plugin's migrations run as its role (roles/). */
  manageRoles?: boolean;
  /** With manageRoles: role names are `<prefix><plugin>` (default ORCHESTRATOR_ROLE_PREFIX, else plugin_). */
  rolePrefix?: string;
  /** With manageRoles: REFERENCES on the dependencies' tables, without SELECT. */
  referencesOnly?: boolean;
}

/** What one database's deploy did: every selected plugin, with the migrations this run applied. */
export interface DatabaseDeployReport {
  /** The URL without its password. */
  displayUrl: string;
  plugins: DeployResult[];
}

export interface DeployDatabaseOptions extends DeployOptions {
  /** Runs the plugins' steps, e.g. as a live task list; default: one after another, silently. */
  runSteps?: StepRunner;
  /** Told every few seconds while another deploy holds the lock. */
  onWait?: (message: string) => void;
  /** Where ORCHESTRATOR_LOCK_TIMEOUT and ORCHESTRATOR_ROLE_PREFIX are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** With manageRoles: told each role, grant and ownership change made. */
  onRoleChanges?: (changes: RoleChange[]) => void;
}

/**
 * The project model deploy checks against, shared by every database a run deploys to. Reading
 * every plugin's models costs a few milliseconds a plugin: only a deploy with pending migrations
 * needs the ownership, so it is read on first use, once.
 */
export function lazyProjectModel(project: Project, allPlugins: Plugin[]): ProjectModel {
  let ownership: ObjectOwnership | undefined;
  return {
    allPlugins,
    get ownership() {
      ownership ??= readProjectOwnership(project, allPlugins);
      return ownership;
    },
  };
}

/** Runs each plugin's step in order with no display; every selected plugin gets a result. */
export const runStepsQuietly: StepRunner = async (steps) => {
  for (const step of steps) await step.run(() => {});
};

/** Applies the pending migrations of `plugins` to the database at `url`, under its deploy lock. */
export async function deployDatabase(project: Project, url: string, plugins: Plugin[], model: ProjectModel, options: DeployDatabaseOptions): Promise<DatabaseDeployReport> {
  // One wait limit for both databases: the deploy lock on PostgreSQL, the busy timeout on SQLite.
  const seconds = lockTimeoutSeconds(options, options.env);
  const lock = { ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }), ...(options.onWait ? { onWait: options.onWait } : {}) };
  return withDatabase(url, project.root, { create: true, command: 'deploy', lock }, async (db) => {
    const results = await runDeploy(db, plugins, model, options.runSteps ?? runStepsQuietly, options, {
      singleTransaction: options.singleTransaction === true,
      ...(options.manageRoles ? { manageRoles: { options: roleOptions(options, options.env), onRoleChanges: options.onRoleChanges ?? (() => {}) } } : {}),
    });
    return { displayUrl: db.displayUrl, plugins: results };
  });
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
