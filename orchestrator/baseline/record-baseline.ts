import { randomUUID } from 'node:crypto';
import { stepsOf } from '../deploy/apply-migration.ts';
import { NO_OVERRIDES } from '../deploy/deploy-overrides.ts';
import { readMigrationPlan } from '../deploy/read-migration-plan.ts';
import { refuseTampering } from '../deploy/refuse-tampering.ts';
import type { DriftContext } from '../drift/detect-drift.ts';
import { diffLiveDatabase } from '../drift/diff-live-database.ts';
import { expectedState, isUnknown } from '../drift/expected-state.ts';
import { OrchestratorError } from '../errors.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readPluginStates } from '../status/read-plugin-states.ts';

export interface BaselineResult {
  plugin: string;
  /** Migrations now recorded as applied, without having run; empty when all were applied already. */
  recorded: string[];
  /** What the live tables were verified against, e.g. "the snapshot of 20261124153350_init". */
  verifiedAgainst: string | null;
}

/**
 * Adopts a database that already holds a plugin's objects (made before the orchestrator managed
 * it, or by another tool): verifies that the plugin's own objects in the live database are
 * exactly what all its migrations leave (the snapshot of the newest, compared as drift compares),
 * then records every migration not yet applied as applied, without running it, in one
 * transaction under the deploy lock. A difference refuses with BASELINE_MISMATCH and the SQL
 * that tells them apart; nothing is written before every check passed.
 */
export async function recordBaseline(context: DriftContext, plugin: Plugin, allPlugins: Plugin[]): Promise<BaselineResult> {
  const { db } = context;
  return db.withDeployLock(async () => {
    const project = await readPluginStates(db, [plugin], { knownPlugins: allPlugins.map((p) => p.name), write: true });
    const state = project.states[0]!;
    refuseTampering({ states: [state], removedPlugins: [] }, NO_OVERRIDES);
    const { status, migrations } = state;
    if (status.inProgress.length > 0) {
      throw new OrchestratorError('MIGRATION_INTERRUPTED', `Refusing to baseline plugin "${plugin.name}": its migration ${status.inProgress[0]!.name} is half applied. Nothing was changed.`, {
        fix: `Finish it with deploy (see status), then baseline is not needed.`,
      });
    }
    const toRecord = new Set([...status.pending, ...status.failed.map((failed) => failed.name)]);
    if (toRecord.size === 0) return { plugin: plugin.name, recorded: [], verifiedAgainst: null };
    const expected = expectedState(context.project, plugin, migrations, db.provider);
    if (isUnknown(expected)) {
      throw new OrchestratorError('SNAPSHOT_MISSING', `Cannot baseline plugin "${plugin.name}": ${expected.unknown} Nothing was changed.`, {
        fix: `Run "orchestrator generate ${plugin.name} --snapshot-only", commit the snapshot it writes, then baseline again.`,
      });
    }
    const difference = await diffLiveDatabase({ ...context, plugin, expected });
    if (difference !== '') throw mismatch(plugin, expected.description, difference, db.displayUrl);

    const pending = migrations.filter((migration) => toRecord.has(migration.name));
    const rows: string[] = [];
    for (const migration of pending) {
      const steps = stepsOf(await readMigrationPlan(plugin.name, migration, db.provider)).length;
      const logs = `Recorded as applied by "orchestrator baseline" without running it: the database already held what it creates (verified against ${expected.description}).`;
      rows.push(state.history.startSql({ id: randomUUID(), name: migration.name, checksum: migration.checksum, startedAt: new Date(), stepsDone: steps, finished: true, logs }));
    }
    await state.history.addVersionColumn();
    await db.transaction(async (tx) => {
      await state.history.ensureTable(tx);
      // Under the write lock: a deploy that got there first leaves nothing to record.
      for (const migration of pending) {
        if (await state.history.currentAttempt(tx, migration.name)) throw raced(plugin, migration.name);
      }
      for (const row of rows) await tx.execute(row);
    });
    return { plugin: plugin.name, recorded: pending.map((migration) => migration.name), verifiedAgainst: expected.description };
  });
}

function mismatch(plugin: Plugin, expected: string, sql: string, displayUrl: string): OrchestratorError {
  const indented = sql.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
  return new OrchestratorError('BASELINE_MISMATCH', `Refusing to baseline plugin "${plugin.name}": its tables in ${displayUrl} do not match what its migrations create (${expected}). This SQL would make them match:\n${indented}\nNothing was recorded; the database is unchanged.`, {
    fix: `Bring the tables in line with the migrations (review the SQL above; "orchestrator drift ${plugin.name}" shows it again), or change the plugin's models and generate a migration that matches the database, then run baseline again. On an empty database, run deploy instead.`,
  });
}

function raced(plugin: Plugin, migration: string): OrchestratorError {
  return new OrchestratorError('BASELINE_MISMATCH', `Refusing to baseline plugin "${plugin.name}": migration ${migration} was recorded by another process meanwhile. Nothing was recorded.`, {
    fix: 'Run status to see where the plugin stands.',
  });
}

