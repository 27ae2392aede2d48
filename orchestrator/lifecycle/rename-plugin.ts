import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { readJsonObject } from '../config/read-json-object.ts';
import type { Database } from '../database/database.ts';
import { HISTORY_TABLE_PREFIX, readHistoryTables } from '../database/history-store.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import { isProjectFolder, listProjectFolder } from '../files/project-files.ts';
import { isValidPluginName } from '../plugins/discover-plugins.ts';
import { MANIFEST_FILE, historyTableName } from '../plugins/plugin.ts';
import { renamePluginRole, type RenamedRole } from '../roles/rename-plugin-role.ts';
import type { RoleOptions } from '../roles/role-options.ts';

export interface RenameResult {
  from: string;
  to: string;
  /** `moved`: plugins/<from> became plugins/<to>; `already`: the user had renamed it, only the rest was done. */
  folder: 'moved' | 'already';
  /** plugin.json files rewritten: the plugin's own "name", dependents' "dependsOn". */
  manifests: string[];
  /** Whether this database held the plugin's history (renamed), or none (not installed here). */
  history: 'renamed' | 'not-installed';
  /** PostgreSQL with roles managed: the new name's role, which took the plugin's objects, and the old one's retirement. Else null. */
  role: RenamedRole | null;
}

/**
 * `rename <from> <to>`: a plugin's name is its history table's, so renaming the folder alone
 * makes deploy see a removed plugin and a new one to install from scratch. This moves the
 * history table (`_prisma_migrations_<from>` → `_<to>`) and the folder with it, and rewrites the
 * manifests that name the plugin. A folder already renamed by the user (or by a rename run
 * against another database, e.g. another tenant) is taken as is: only the database part and the
 * manifests are done. The database rename runs in one transaction under the deploy lock, and the
 * files change inside it: a failure of either undoes both. Then, still under the lock, the old
 * name's role (if roles are managed) hands the plugin's objects to the new name's role.
 */
export async function renamePlugin(db: Database, project: Project, from: string, to: string, roles: RoleOptions): Promise<RenameResult> {
  for (const name of [from, to]) {
    if (!isValidPluginName(name)) {
      throw new OrchestratorError('CONFIG_INVALID', `"${name}" is not a valid plugin name.`, { fix: 'Use a lowercase letter, then lowercase letters, digits or "_", at most 44 characters.' });
    }
  }
  if (from === to) throw new OrchestratorError('CONFIG_INVALID', `The plugin is already called "${to}".`, { fix: 'Give a new name.' });
  const fromDir = path.join(project.pluginsDir, from);
  const toDir = path.join(project.pluginsDir, to);
  const hasFrom = existsSync(fromDir);
  if (hasFrom && existsSync(toDir)) {
    throw new OrchestratorError('PLUGIN_EXISTS', `Cannot rename plugin "${from}" to "${to}": ${toDir} exists already. Nothing was changed.`, { fix: `Choose another name, or remove ${toDir} first.` });
  }
  if (!hasFrom && !existsSync(toDir)) {
    throw new OrchestratorError('PLUGIN_NOT_FOUND', `Cannot rename plugin "${from}": neither ${fromDir} nor ${toDir} exists.`, { fix: 'Check the names (the folder under plugins/ is the plugin\'s name).' });
  }
  return db.withDeployLock(async () => {
    const history = await historyMove(db, from, to);
    const files = new FileChanges();
    try {
      await db.transaction(async (tx) => {
        if (history === 'renamed') for (const sql of db.renameTableSql(historyTableName(from), historyTableName(to))) await tx.execute(sql);
        if (hasFrom) files.rename(fromDir, toDir);
        rewriteManifests(project.pluginsDir, from, to, files);
      });
    } catch (error) {
      files.undo();
      throw error;
    }
    const role = db.pluginRoles ? await renamePluginRole(db, project, roles, from, to).catch((error: unknown) => {
      // The rename is committed: say so, whatever the role step's own message says about changes.
      const cause = error instanceof OrchestratorError ? error.describe() : errorMessage(error);
      throw new OrchestratorError(error instanceof OrchestratorError ? error.code : 'DATABASE_PERMISSION_DENIED', `Plugin "${from}" was renamed to "${to}" (its folder, manifests and history table), but its role could not be moved to the new name:\n${cause}`, {
        fix: `Run "orchestrator roles" as a user with the privileges named above: it hands the plugin's tables to the role of "${to}".`,
        cause: error,
      });
    }) : null;
    return { from, to, folder: hasFrom ? 'moved' : 'already', manifests: files.written, history, role };
  });
}

/** Whether the database's history moves; refuses when it already holds a history for the new name. */
async function historyMove(db: Database, from: string, to: string): Promise<RenameResult['history']> {
  const { existing } = await readHistoryTables(db, [historyTableName(from)], { write: true });
  const installed = new Set(existing.map((table) => table.slice(HISTORY_TABLE_PREFIX.length)));
  if (installed.has(to)) {
    throw new OrchestratorError('PLUGIN_EXISTS', `Cannot rename plugin "${from}" to "${to}": ${db.displayUrl} already holds the history table "${historyTableName(to)}"${installed.has(from) ? '' : `, and none for "${from}" (renamed on this database before?)`}. Nothing was changed.`, {
      fix: installed.has(from) ? `Choose another name, or uninstall "${to}" first.` : 'Run status: if the plugin is up to date under its new name, the rename is done here.',
    });
  }
  return installed.has(from) ? 'renamed' : 'not-installed';
}

/** Points the manifests at the new name: the plugin's own "name", and every "dependsOn" that lists the old one. */
function rewriteManifests(pluginsDir: string, from: string, to: string, files: FileChanges): void {
  for (const entry of listProjectFolder(pluginsDir, 'PLUGIN_NOT_FOUND')) {
    const manifest = path.join(pluginsDir, entry, MANIFEST_FILE);
    if (entry.startsWith('.') || !isProjectFolder(path.join(pluginsDir, entry), 'PLUGIN_MANIFEST_INVALID') || !existsSync(manifest)) continue;
    const json = readJsonObject(manifest, 'PLUGIN_MANIFEST_INVALID', '{"version": "1.0.0", "dependsOn": []}');
    let changed = false;
    if (entry === to && json.name === from) {
      json.name = to;
      changed = true;
    }
    if (Array.isArray(json.dependsOn) && json.dependsOn.includes(from)) {
      json.dependsOn = json.dependsOn.map((dependency: unknown) => (dependency === from ? to : dependency));
      changed = true;
    }
    if (changed) files.write(manifest, `${JSON.stringify(json, null, 2)}\n`);
  }
}

/** File changes that can be undone, so a database failure leaves the folder as it was. */
class FileChanges {
  private readonly undos: (() => void)[] = [];
  readonly written: string[] = [];

  rename(from: string, to: string): void {
    renameSync(from, to);
    this.undos.push(() => renameSync(to, from));
  }

  write(file: string, content: string): void {
    const before = readFileSync(file);
    writeFileSync(file, content);
    this.written.push(file);
    this.undos.push(() => writeFileSync(file, before));
  }

  undo(): void {
    for (const step of this.undos.reverse()) step();
  }
}
