import path from 'node:path';

/** A plugin as found on disk: its manifest plus where its models and migrations live. */
export interface Plugin {
  name: string;
  version: string;
  /** Plugins whose tables this plugin may reference. */
  dependsOn: string[];
  dir: string;
  /** Absolute paths of the plugin's `*.prisma` files, sorted. */
  modelFiles: string[];
  migrationsDir: string;
}

export const MANIFEST_FILE = 'plugin.json';

/** The history table that replaces `_prisma_migrations` for one plugin. */
export function historyTableName(pluginName: string): string {
  return `_prisma_migrations_${pluginName}`;
}

export function migrationsDirOf(pluginDir: string): string {
  return path.join(pluginDir, 'migrations');
}
