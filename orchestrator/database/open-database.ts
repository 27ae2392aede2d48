import { unhandledProvider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import { classifyDatabaseError, describeDatabaseError, type DatabaseErrorContext } from './classify-database-error.ts';
import type { Database } from './database.ts';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.ts';
import type { DeployLockOptions } from './deploy-lock-options.ts';

/** Who connects, as pg_stat_activity shows it (`application_name`), unless DATABASE_URL sets one. */
const APPLICATION_NAME = 'prisma-plugin-orchestrator';


export interface OpenOptions {
  /** Deploy: create the SQLite file, or the `?schema=` schema, when missing. Status: read only. */
  create: boolean;
  /** The command connecting, for application_name (`prisma-plugin-orchestrator deploy`). */
  command?: string;
  /** How long deploy waits for another deploy's lock, and who hears about it. */
  lock?: DeployLockOptions;
}

/**
 * Connects to DATABASE_URL. With `create: false` (status), a SQLite file that does not exist
 * is not created: it is read as the empty database it would be.
 */
export async function openDatabase(url: string, projectRoot: string, options: OpenOptions): Promise<Database> {
  const target = parseDatabaseUrl(url, projectRoot);
  try {
    switch (target.provider) {
      case 'sqlite': {
        // Drivers load on demand: a SQLite deploy never loads pg, and the reverse.
        const { SqliteDatabase } = await import('./sqlite-database.ts');
        return SqliteDatabase.open(target.filePath, target.displayUrl, { create: options.create, ...(options.lock?.timeoutMs !== undefined ? { busyTimeoutMs: options.lock.timeoutMs } : {}) });
      }
      case 'postgresql': {
        const { PostgresDatabase } = await import('./postgres-database.ts');
        return await PostgresDatabase.connect(target, {
          applicationName: options.command ? `${APPLICATION_NAME} ${options.command}` : APPLICATION_NAME,
          createSchema: options.create,
          lock: options.lock ?? {},
        });
      }
      default:
        return unhandledProvider(target);
    }
  } catch (error) {
    const classified = classifyDatabaseError(error, { ...errorContext(target), connecting: true });
    if (classified) throw classified;
    // Unrecognised: a SQLite file that cannot be opened is permanent (exit 1); a PostgreSQL failure
    // without a code (a proxy closing the socket, say) may pass, so it stays retryable (exit 3).
    throw new OrchestratorError(target.provider === 'sqlite' ? 'DATABASE_FILE_INVALID' : 'DATABASE_UNREACHABLE', `Cannot open the database ${target.displayUrl}: ${describeDatabaseError(error)}`, {
      fix: target.provider === 'sqlite'
        ? 'Check that the folder of the SQLite file is writable and the file is a SQLite database.'
        : 'Check that the server is running and reachable, and that DATABASE_URL has the right host, port, user, password and database.',
      cause: error,
    });
  }
}

/** What the database error classifier needs to know about a target, for its messages. */
function errorContext(target: DatabaseTarget): DatabaseErrorContext {
  return target.provider === 'postgresql' ? { displayUrl: target.displayUrl, postgres: target.server } : { displayUrl: target.displayUrl };
}
