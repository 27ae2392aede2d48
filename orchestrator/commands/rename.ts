import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { withDatabase } from '../database/with-database.ts';
import { renamePlugin } from '../lifecycle/rename-plugin.ts';
import { historyTableName } from '../plugins/plugin.ts';

/** `rename <from> <to> [--json]`: renames a plugin's folder and its history table together, so it is not installed again from scratch. */
export async function renameCommand(project: Project, from: string, to: string, options: { json?: boolean }): Promise<string> {
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'rename' }, async (db) => {
    const result = await renamePlugin(db, project, from, to);
    if (options.json) return JSON.stringify({ database: db.displayUrl, ...result, manifests: result.manifests.map((file) => path.relative(project.root, file)) }, null, 2);
    const lines = [
      result.folder === 'moved' ? `Renamed plugins/${from} to plugins/${to}.` : `plugins/${to} was already renamed; left as is.`,
      ...result.manifests.map((file) => `Updated ${path.relative(project.root, file)}.`),
      result.history === 'renamed'
        ? `Renamed the history table ${historyTableName(from)} to ${historyTableName(to)} on ${db.displayUrl}: deploy applies nothing again.`
        : `${db.displayUrl} holds no history of "${from}" (not installed there): nothing to rename in it.`,
      `Run this command against every other database that holds "${from}" (set DATABASE_URL); there only the history table is renamed.`,
    ];
    return lines.join('\n');
  });
}
