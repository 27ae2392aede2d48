import path from 'node:path';
import type { CommandContext } from '../context/command-context.ts';
import { reportLockWaits } from '../context/progress-event.ts';
import { withDatabase } from '../database/with-database.ts';
import { roleOptions } from '../roles/role-options.ts';
import { renamePlugin, type RenameResult } from './rename-plugin.ts';

export interface RenameOptions {
  /** The current name (its folder may already be renamed: then only the database and manifests change). */
  from: string;
  /** The new name; refused when a plugin of that name exists. */
  to: string;
  /** PostgreSQL: plugin roles are `<rolePrefix><plugin>`. Default: ORCHESTRATOR_ROLE_PREFIX, else plugin_. */
  rolePrefix?: string;
}

export interface RenameReport extends RenameResult {
  /** The database, with any password hidden. */
  database: string;
}

/** Renames a plugin's folder, manifests and history table (and its role, where roles are managed) together, so it is not installed again from scratch. */
export async function renameProject(context: CommandContext, options: RenameOptions): Promise<RenameReport> {
  const { project } = context;
  const roles = roleOptions(options, context.env);
  const lock = reportLockWaits(context.progress, 'rename');
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'rename', lock }, async (db) => {
    const result = await renamePlugin(db, project, options.from, options.to, roles);
    return { database: db.displayUrl, ...result, manifests: result.manifests.map((file) => path.relative(project.root, file)) };
  });
}
