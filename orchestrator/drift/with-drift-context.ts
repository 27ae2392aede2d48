import type { Project } from '../config/load-project.ts';
import { readProjectOwnership } from '../ownership/read-project-ownership.ts';
import type { Database } from '../database/database.ts';
import { parseDatabaseUrl } from '../database/database-url.ts';
import { withDatabase } from '../database/with-database.ts';
import { createDiffEngine } from '../engine/create-diff-engine.ts';
import type { Plugin } from '../plugins/plugin.ts';
import type { DriftContext } from './detect-drift.ts';
import { listLiveObjects } from './diff-live-database.ts';

/**
 * Opens DATABASE_URL without creating anything (no SQLite file, no `?schema=` schema), reads
 * the ownership of every plugin's models and the live tables, and starts the in-process engine
 * (the only one that reads a live database): what drift and baseline compare with. Everything
 * is closed on every path.
 */
export async function withDriftContext<T>(project: Project, allPlugins: Plugin[], command: string, work: (context: DriftContext, db: Database) => Promise<T>): Promise<T> {
  const ownership = readProjectOwnership(project, allPlugins);
  const target = parseDatabaseUrl(project.databaseUrl, project.root);
  return withDatabase(project.databaseUrl, project.root, { create: false, command }, async (db) => {
    const live = await listLiveObjects(db);
    const engine = await createDiffEngine('wasm');
    try {
      return await work({ project, db, target, live, ownership, engine }, db);
    } finally {
      await engine.close();
    }
  });
}
