import type { Database } from '../database/database.ts';
import { OrchestratorError } from '../errors.ts';
import { findOwnershipViolations, ownershipError } from '../ownership/check-migration-ownership.ts';
import type { TableOwnership } from '../ownership/table-ownership.ts';
import { transitiveDependencies } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readPluginStates, type PluginState } from '../status/read-plugin-states.ts';
import { applyMigration } from './apply-migration.ts';

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

/** Runs the steps, one plugin after another, e.g. as a task list. */
export type StepRunner = (steps: PluginDeployStep[]) => Promise<void>;

/**
 * Applies every pending migration of the given plugins, under the database's deploy lock.
 *
 * Before anything runs, the whole plan is checked: a migration whose file changed since it was
 * applied, a history generated for another provider, or a pending migration that touches
 * another plugin's tables stops the deploy with the database untouched. Then each migration is applied atomically; the first failure stops the deploy, with
 * the migrations before it committed and the failing one rolled back.
 */
export async function runDeploy(db: Database, plugins: Plugin[], project: ProjectModel, runSteps: StepRunner): Promise<DeployResult[]> {
  return db.withDeployLock(async () => {
    const states = await readPluginStates(db, plugins);
    refuseModified(states);
    refuseForeignTables(states, project, db.provider);
    const results: DeployResult[] = [];
    const steps = states.map((state): PluginDeployStep => {
      const pending = pendingMigrations(state);
      return {
        plugin: state.plugin.name,
        pending: pending.map((migration) => migration.name),
        async run(onApplied) {
          const applied: string[] = [];
          results.push({ plugin: state.plugin.name, applied });
          for (const migration of pending) {
            if (await applyMigration(db, state.history, state.plugin.name, migration)) {
              applied.push(migration.name);
              onApplied(migration.name);
            }
          }
          return applied;
        },
      };
    });
    await runSteps(steps);
    return results;
  });
}

function pendingMigrations(state: PluginState) {
  const pending = new Set([...state.status.pending, ...state.status.failed.map((failed) => failed.name)]);
  return state.migrations.filter((migration) => pending.has(migration.name));
}

function refuseForeignTables(states: PluginState[], project: ProjectModel, provider: Database['provider']): void {
  // Nothing pending, nothing to check (and the project's ownership, read lazily, is not needed).
  if (states.every((state) => pendingMigrations(state).length === 0)) return;
  const violations = states.flatMap((state) => {
    const dependencies = new Set(transitiveDependencies(project.allPlugins, state.plugin).map((plugin) => plugin.name));
    return findOwnershipViolations(state.plugin, dependencies, pendingMigrations(state), project.ownership, provider);
  });
  if (violations.length > 0) throw ownershipError(violations);
}

function refuseModified(states: PluginState[]): void {
  const modified = states.flatMap((state) =>
    state.status.modified.map((name) => ({ plugin: state.plugin.name, path: state.migrations.find((m) => m.name === name)!.sqlPath, name })),
  );
  if (modified.length === 0) return;
  const list = modified.map((entry) => `  - plugin "${entry.plugin}", migration ${entry.name} (${entry.path})`).join('\n');
  throw new OrchestratorError('MIGRATION_MODIFIED', `Refusing to deploy: ${modified.length === 1 ? 'an applied migration was' : 'applied migrations were'} edited after being applied, so the database no longer matches the files:\n${list}\nNothing was applied.`, {
    fix: 'Restore the applied file(s) from version control, and put the change in a new migration (edit the models and run generate).',
  });
}
