import type { HistoryRow } from '../database/history-store.ts';
import { matchesChecksum, type MigrationOnDisk } from '../migrations/migrations-folder.ts';
import { replacedNames, type ReplacedMigration } from '../migrations/replaces-file.ts';

/** Where one plugin's migrations folder and its history table stand relative to each other. */
export interface PluginStatus {
  plugin: string;
  applied: string[];
  pending: string[];
  /** Not applied, and the last attempt failed (its transaction was rolled back). Deploy retries these. */
  failed: { name: string; error: string }[];
  /**
   * Some of its steps committed, not all (a later step failed, or the process died between
   * steps). Deploy resumes at the first step not done, or stops if that step ran outside a
   * transaction and may have partly run.
   */
  inProgress: { name: string; stepsDone: number; error: string }[];
  /** Applied (or in progress), but migration.sql changed since: the database no longer matches the file. */
  modified: string[];
  /** Applied in the database, but the folder is gone from disk. */
  missing: string[];
  /** An applied migration whose folder now has another name (same checksum): it must not run again. */
  renamed: { from: string; to: string }[];
  /** Not applied, but sorts before the newest applied migration: it was added (or merged) out of order. */
  outOfOrder: string[];
  /**
   * The plugin's version (plugin.json) recorded with its newest applied migration: the version
   * the database holds. Null when nothing is applied, or the row predates recorded versions.
   */
  databaseVersion: string | null;
  /** The version in plugin.json now, when the caller knows it. */
  codeVersion?: string;
  /** Pending (or out of order) because `rollback` undid it; its rows stay as the audit trail, and deploy applies it again. */
  rolledBack: string[];
  /**
   * Squashed migrations (replaces.json) not recorded yet whose replaced migrations are all
   * applied: counted as applied; deploy records them without running them.
   */
  squashedToRecord: { name: string; replaces: string[] }[];
  /** Squashed migrations of which only some replaced migrations are applied: deploy refuses them (SQUASH_PARTIALLY_APPLIED). */
  partlySquashed: { name: string; applied: string[]; notApplied: string[] }[];
}

export function comparePluginHistory(plugin: string, onDisk: MigrationOnDisk[], rows: HistoryRow[]): PluginStatus {
  const status: PluginStatus = { plugin, applied: [], pending: [], failed: [], inProgress: [], modified: [], missing: [], renamed: [], outOfOrder: [], databaseVersion: null, rolledBack: [], squashedToRecord: [], partlySquashed: [] };
  const rowsByName = new Map<string, HistoryRow[]>();
  for (const row of rows) rowsByName.set(row.migration_name, [...(rowsByName.get(row.migration_name) ?? []), row]);

  for (const migration of onDisk) {
    const attempts = rowsByName.get(migration.name) ?? [];
    const success = attempts.find(isSuccess);
    const live = attempts.find(isInProgress);
    if (success) {
      status.applied.push(migration.name);
      if (!matchesChecksum(migration, success.checksum)) status.modified.push(migration.name);
    } else if (live) {
      status.inProgress.push({ name: migration.name, stepsDone: live.applied_steps_count, error: live.logs ?? '' });
      if (!matchesChecksum(migration, live.checksum)) status.modified.push(migration.name);
    } else if (attempts.at(-1) && isRolledBack(attempts.at(-1)!)) {
      status.pending.push(migration.name);
      status.rolledBack.push(migration.name);
    } else if (attempts.length > 0) {
      status.failed.push({ name: migration.name, error: attempts.at(-1)!.logs ?? '' });
    } else if (migration.replaces && !untouched(migration.replaces, rowsByName)) {
      const replaced = migration.replaces.map((entry) => ({ name: entry.name, applied: applied(entry, rowsByName) }));
      if (replaced.every((entry) => entry.applied)) {
        status.applied.push(migration.name);
        status.squashedToRecord.push({ name: migration.name, replaces: replaced.map((entry) => entry.name) });
      } else {
        status.partlySquashed.push({ name: migration.name, applied: replaced.filter((e) => e.applied).map((e) => e.name), notApplied: replaced.filter((e) => !e.applied).map((e) => e.name) });
      }
    } else {
      status.pending.push(migration.name);
    }
  }
  // What a squashed migration on disk replaces keeps its rows, as an audit trail: not missing.
  const names = new Set([...onDisk.map((migration) => migration.name), ...onDisk.flatMap((migration) => replacedNames(migration.replaces ?? []))]);
  const missing = new Map<string, HistoryRow>();
  for (const [name, attempts] of rowsByName) {
    const kept = attempts.find(isSuccess) ?? attempts.find(isInProgress);
    if (!names.has(name) && kept) missing.set(name, kept);
  }

  // A pending folder with the checksum of a missing applied one is that migration, renamed.
  for (const migration of onDisk.filter((m) => status.pending.includes(m.name))) {
    const from = [...missing].find(([, row]) => matchesChecksum(migration, row.checksum))?.[0];
    if (from === undefined) continue;
    missing.delete(from);
    status.renamed.push({ from, to: migration.name });
    status.pending = status.pending.filter((name) => name !== migration.name);
  }
  status.missing = [...missing.keys()];
  // Rows are oldest first: the newest success is the version that last changed the database.
  status.databaseVersion = rows.filter(isSuccess).at(-1)?.plugin_version ?? null;

  const newestApplied = [...rowsByName.keys()].filter((name) => rowsByName.get(name)!.some(isSuccess)).sort().at(-1);
  if (newestApplied !== undefined) {
    const early = (name: string) => name < newestApplied;
    status.outOfOrder = [...status.pending.filter(early), ...status.failed.map((f) => f.name).filter(early)].sort();
    status.pending = status.pending.filter((name) => !early(name));
    status.failed = status.failed.filter((f) => !early(f.name));
  }
  return status;
}

export function isUpToDate(status: PluginStatus): boolean {
  const { pending, failed, inProgress, modified, missing, renamed, outOfOrder, partlySquashed } = status;
  return [pending, failed, inProgress, modified, missing, renamed, outOfOrder, partlySquashed].every((list) => list.length === 0);
}

/** A replaced migration counts as applied when its own row says so, or (a squash itself) when everything it replaced is applied. */
function applied(entry: ReplacedMigration, rowsByName: Map<string, HistoryRow[]>): boolean {
  if (rowsByName.get(entry.name)?.some(isSuccess)) return true;
  return entry.replaces !== undefined && entry.replaces.every((inner) => applied(inner, rowsByName));
}

/** None of these (nor what they replaced) left a row that counts: a fresh database for them. */
function untouched(entries: ReplacedMigration[], rowsByName: Map<string, HistoryRow[]>): boolean {
  return entries.every((entry) => !rowsByName.get(entry.name)?.some((row) => isSuccess(row) || isInProgress(row)) && untouched(entry.replaces ?? [], rowsByName));
}

function isSuccess(row: HistoryRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}

/** Applied, then undone by rollback (or forgotten by --accept-missing): finished and rolled back. */
function isRolledBack(row: HistoryRow): boolean {
  return row.finished_at !== null && row.rolled_back_at !== null;
}

function isInProgress(row: HistoryRow): boolean {
  return row.finished_at === null && row.rolled_back_at === null;
}
