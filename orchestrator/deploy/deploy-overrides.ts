/**
 * The explicit overrides of deploy's history checks, one per refusal, each naming exactly what it
 * accepts (`<plugin>/<migration>`, or a plugin for a removed one), so accepting one case never
 * silences another. Unused entries are ignored: an entrypoint may keep passing them after the
 * first deploy recorded the decision.
 */
export interface DeployOverrides {
  /** MIGRATION_MISSING: the applied migration's row is kept but marked rolled back; it no longer counts. */
  acceptMissing: string[];
  /** MIGRATION_RENAMED, by the new name: the applied row takes the new name; the SQL does not run again. */
  acceptRenamed: string[];
  /** MIGRATION_MODIFIED: the applied row takes the file's new checksum; the SQL does not run again. */
  acceptModified: string[];
  /** MIGRATION_OUT_OF_ORDER: applies it although newer migrations are already applied. */
  acceptOutOfOrder: string[];
  /** PLUGIN_REMOVED, by plugin: deploys anyway; its tables and history table are left alone. */
  acceptRemovedPlugin: string[];
  /** MIGRATION_INTERRUPTED: you finished the interrupted step by hand; deploy counts it and goes on. */
  markStepApplied: string[];
  /** MIGRATION_INTERRUPTED: you undid what the interrupted step left; deploy runs it again. */
  rerunStep: string[];
}

export const NO_OVERRIDES: DeployOverrides = {
  acceptMissing: [],
  acceptRenamed: [],
  acceptModified: [],
  acceptOutOfOrder: [],
  acceptRemovedPlugin: [],
  markStepApplied: [],
  rerunStep: [],
};

/** How overrides name a migration. */
export function migrationKey(plugin: string, migration: string): string {
  return `${plugin}/${migration}`;
}
