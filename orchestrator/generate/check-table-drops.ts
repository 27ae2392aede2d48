import path from 'node:path';
import { OrchestratorError } from '../errors.ts';
import { listMigrations, readLatestSnapshot } from '../migrations/migrations-folder.ts';
import { dependentsOf } from '../plugins/dependency-order.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { readSnapshot } from '../schema/read-snapshot.ts';

/**
 * Refuses to drop (or @@map-rename) a table that other plugins' foreign keys point at, as their
 * latest migrations left them. Deploy runs a plugin before its dependents, so the owner's
 * `DROP TABLE` would run while the dependents' foreign keys still hold on to the table: PostgreSQL
 * refuses it, and on SQLite the dependents' rows would point at nothing. Done in two steps it
 * works: the dependents drop or move their relation first, then the owner drops the table.
 */
export function checkTableDrops(projectRoot: string, plugin: Plugin, droppedTables: string[], ordered: Plugin[]): void {
  if (droppedTables.length === 0) return;
  const problems: string[] = [];
  for (const dependent of dependentsOf(ordered, plugin)) {
    // Without a snapshot (hand-written migrations) there is no record of its foreign keys to read here.
    const snapshot = readLatestSnapshot(listMigrations(dependent));
    if (!snapshot) continue;
    const state = readSnapshot(dependent.name, { path: path.relative(projectRoot, snapshot.path), content: snapshot.content });
    for (const table of droppedTables) {
      const fields = state.references.get(table);
      if (fields) problems.push(`table "${table}" is referenced by plugin "${dependent.name}" (${fields.join(', ')})`);
    }
  }
  if (problems.length === 0) return;
  throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": its models no longer declare tables that other plugins' foreign keys use: ${problems.join('; ')}. Its migration would drop them before those plugins' migrations run, and the drop fails (PostgreSQL) or leaves their rows pointing at nothing (SQLite).`, {
    fix: `Do it in two releases: first remove or move those relations in the plugins named (generate, deploy), then remove or rename the table in "${plugin.name}".`,
  });
}
