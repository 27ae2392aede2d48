import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { readLatestSnapshot, SNAPSHOT_FILE, type MigrationOnDisk } from '../migrations/migrations-folder.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { SchemaFile } from '../schema/compose-schema.ts';
import { readSnapshot } from '../schema/read-snapshot.ts';
import { schemaHeader } from '../schema/schema-header.ts';
import type { Provider } from '../config/provider.ts';

/** The schema a set of migrations leaves behind, as the engine reads it, and which of its objects are the plugin's. */
export interface ExpectedState {
  /** For reports: "the snapshot of 20261124153350_init", "no migration applied". */
  description: string;
  files: SchemaFile[];
  ownTables: string[];
  ownEnums: string[];
  /** Dependency copies in the snapshot: in the schema, never the plugin's to create. */
  foreignTables: string[];
  foreignEnums: string[];
}

/** The migrations' state cannot be known without replaying them: none of them has a snapshot. */
export interface UnknownState {
  unknown: string;
}

/**
 * What `migrations` (applied ones for drift, all for baseline) leave behind: the snapshot of the
 * newest one that has a snapshot.prisma (a later hand-written migration is taken to leave the
 * models unchanged, as generate takes it), or an empty schema when there are none. Migrations
 * that all lack a snapshot (written by hand) would have to be replayed: reported as unknown.
 */
export function expectedState(project: Project, plugin: Plugin, migrations: MigrationOnDisk[], provider: Provider): ExpectedState | UnknownState {
  if (migrations.length === 0) {
    const header = { path: schemaHeader.path(project.root, project.templatesDir), content: schemaHeader.content(project.templatesDir, provider, plugin.name) };
    return { description: 'an empty schema, as no migration is applied', files: [header], ownTables: [], ownEnums: [], foreignTables: [], foreignEnums: [] };
  }
  const snapshot = readLatestSnapshot(migrations);
  if (!snapshot) {
    return {
      unknown: `none of its migrations up to ${migrations.at(-1)!.name} has a ${SNAPSHOT_FILE} (written by hand), so the state they leave is not known without replaying them. Run "orchestrator generate ${plugin.name} --snapshot-only" to record it.`,
    };
  }
  const relative = path.relative(project.root, snapshot.path).split(path.sep).join('/');
  const state = readSnapshot(plugin.name, { path: relative, content: snapshot.content });
  return {
    description: `the snapshot of ${path.basename(path.dirname(snapshot.path))}`,
    files: [{ path: relative, content: snapshot.content }],
    ownTables: [...state.ownTables],
    ownEnums: state.ownEnums.map((enumType) => enumType.dbName ?? enumType.name),
    foreignTables: [...state.foreignTables],
    foreignEnums: [...state.foreignEnums],
  };
}

export function isUnknown(state: ExpectedState | UnknownState): state is UnknownState {
  return 'unknown' in state;
}
