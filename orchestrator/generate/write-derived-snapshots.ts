import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { OrchestratorError } from '../errors.ts';
import { SNAPSHOT_FILE, writeSnapshot } from '../migrations/migrations-folder.ts';
import type { PlannedMigration } from './plan-migrations.ts';

/**
 * `generate --snapshot-only`: for each plugin whose previous state had to be derived (no
 * migration has a snapshot), writes the composed schema as the snapshot of its newest migration,
 * so later generates need no scratch database. Only true when the models match what the
 * migrations leave behind; otherwise nothing is written and the error says to generate the
 * difference, whose migration carries its own snapshot. Returns the paths written.
 */
export function writeDerivedSnapshots(project: Project, planned: PlannedMigration[]): string[] {
  const differing = planned.filter((migration) => migration.derivedFrom && migration.name !== null);
  if (differing.length > 0) {
    const names = differing.map((migration) => migration.plugin.name);
    throw new OrchestratorError('SNAPSHOT_MISSING', `Not writing snapshots: the models of ${names.map((name) => `"${name}"`).join(', ')} differ from the schema their migrations leave behind, so a ${SNAPSHOT_FILE} of the models beside the newest migration would be untrue. Nothing was written.`, {
      fix: `Run "orchestrator generate ${names.join(' ')}" (without --snapshot-only): it writes the difference as a new migration, which carries its own ${SNAPSHOT_FILE}.`,
    });
  }
  return planned
    .filter((migration) => migration.derivedFrom)
    .map((migration) => path.relative(project.root, writeSnapshot(migration.derivedFrom!, migration.snapshot)));
}
