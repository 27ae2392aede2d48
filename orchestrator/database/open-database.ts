import { existsSync } from 'node:fs';
import { unhandledProvider } from '../config/provider.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import type { Database } from './database.ts';
import { parseDatabaseUrl } from './database-url.ts';

/**
 * Connects to DATABASE_URL. With `create: false` (status), a SQLite file that does not exist
 * is not created: it is read as the empty database it would be.
 */
export async function openDatabase(url: string, projectRoot: string, options: { create: boolean }): Promise<Database> {
  const target = parseDatabaseUrl(url, projectRoot);
  try {
    switch (target.provider) {
      case 'sqlite': {
        const exists = existsSync(target.filePath);
        // Drivers load on demand: a SQLite deploy never loads pg, and the reverse.
        const { SqliteDatabase } = await import('./sqlite-database.ts');
        return new SqliteDatabase(exists || options.create ? target.filePath : null, target.displayUrl);
      }
      case 'postgresql':
        const { PostgresDatabase } = await import('./postgres-database.ts');
        return await PostgresDatabase.connect(target.connectionString, target.displayUrl);
      default:
        return unhandledProvider(target);
    }
  } catch (error) {
    throw new OrchestratorError('DATABASE_UNREACHABLE', `Cannot open the database ${target.displayUrl}: ${errorMessage(error)}`, {
      fix: target.provider === 'sqlite'
        ? 'Check that the folder of the SQLite file is writable and the file is a SQLite database.'
        : 'Check that the server is running and reachable, and that DATABASE_URL has the right host, port, user, password and database.',
      cause: error,
    });
  }
}
