import type { HistoryRow } from '../database/history-store.ts';
import type { MigrationOnDisk } from '../migrations/migrations-folder.ts';

/** Where one plugin's migrations folder and its history table stand relative to each other. */
export interface PluginStatus {
  plugin: string;
  applied: string[];
  pending: string[];
  /** Not applied, and the last attempt failed (its transaction was rolled back). Deploy retries these. */
  failed: { name: string; error: string }[];
  /** Applied, but migration.sql changed since: the database no longer matches the file. */
  modified: string[];
  /** Applied in the database, but the folder is gone from disk. */
  missing: string[];
}

export function comparePluginHistory(plugin: string, onDisk: MigrationOnDisk[], rows: HistoryRow[]): PluginStatus {
  const status: PluginStatus = { plugin, applied: [], pending: [], failed: [], modified: [], missing: [] };
  const rowsByName = new Map<string, HistoryRow[]>();
  for (const row of rows) rowsByName.set(row.migration_name, [...(rowsByName.get(row.migration_name) ?? []), row]);

  for (const migration of onDisk) {
    const attempts = rowsByName.get(migration.name) ?? [];
    const success = attempts.find(isSuccess);
    if (success) {
      status.applied.push(migration.name);
      if (success.checksum !== migration.checksum) status.modified.push(migration.name);
    } else if (attempts.length > 0) {
      status.failed.push({ name: migration.name, error: attempts.at(-1)!.logs ?? '' });
    } else {
      status.pending.push(migration.name);
    }
  }
  const names = new Set(onDisk.map((migration) => migration.name));
  for (const [name, attempts] of rowsByName) {
    if (!names.has(name) && attempts.some(isSuccess)) status.missing.push(name);
  }
  return status;
}

export function isUpToDate(status: PluginStatus): boolean {
  return status.pending.length + status.failed.length + status.modified.length + status.missing.length === 0;
}

function isSuccess(row: HistoryRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}
