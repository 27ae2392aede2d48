import { classifyDatabaseError } from './classify-database-error.ts';
import type { Database } from './database.ts';
import { openDatabase, type OpenOptions } from './open-database.ts';

/**
 * Opens DATABASE_URL, runs `work`, and closes the connection on every path (an open socket
 * would keep the process alive). A failure that is about the connection, the credentials, the
 * file or a lock becomes the OrchestratorError that says so (exit 3 when retrying may help).
 */
export async function withDatabase<T>(url: string, projectRoot: string, options: OpenOptions, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(url, projectRoot, options);
  try {
    return await work(db);
  } catch (error) {
    throw classifyDatabaseError(error, { displayUrl: db.displayUrl }) ?? error;
  } finally {
    await db.close();
  }
}
