import { OrchestratorError, errorMessage, type ErrorCode } from '../errors.ts';

/** Where a database error happened, for its message. */
export interface DatabaseErrorContext {
  /** The database's URL without its password. */
  displayUrl: string;
  /** True while connecting: a failure then means "not reached" rather than "lost". */
  connecting?: boolean;
  /** Set while a migration runs: a lost connection then says what became of it. */
  migration?: { plugin: string; name: string };
  /** How the PostgreSQL connection was made, for a `createdb` fix. */
  postgres?: { host: string; port: string; user: string; database: string };
}

/**
 * The driver's own code for an error: a PostgreSQL SQLSTATE (node-postgres `code`, five
 * characters), a SQLite result code (better-sqlite3 `code`, `SQLITE_…`) or a Node.js system
 * error (`ECONNREFUSED`, …). Undefined for anything else.
 */
export function driverErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** "(SQLSTATE 42601)", "(SQLITE_BUSY)", "(ECONNREFUSED)": the code every database message ends with. */
function codeLabel(error: unknown): string {
  const code = driverErrorCode(error);
  if (!code) return '';
  return isSqlState(code) ? `(SQLSTATE ${code})` : `(${code})`;
}

/** The driver's message with its code, e.g. `relation "x" does not exist (SQLSTATE 42P01)`. */
export function describeDatabaseError(error: unknown): string {
  const label = codeLabel(error);
  return label ? `${errorMessage(error)} ${label}` : errorMessage(error);
}

/**
 * An error that is about the connection, the server, the credentials, the database file or a
 * lock, rather than about the SQL that ran, as an OrchestratorError whose code tells a script
 * (and the container entrypoint) whether retrying may help. Undefined for everything else (a
 * syntax error, a constraint violation…), which the caller reports in its own terms.
 *
 * Only the driver's code is read, never its message: messages change with versions and locales.
 */
export function classifyDatabaseError(error: unknown, context: DatabaseErrorContext): OrchestratorError | undefined {
  if (error instanceof OrchestratorError) return error;
  const code = driverErrorCode(error);
  if (!code) return undefined;
  const kind = kindOf(code, context);
  if (!kind) return undefined;
  const detail = describeDatabaseError(error);
  const where = context.migration ? `Plugin "${context.migration.plugin}", migration ${context.migration.name}: ` : '';
  return new OrchestratorError(kind.code, `${where}${kind.what(context)}: ${detail}${kind.after?.(context) ?? ''}`, {
    fix: kind.fix(context),
    cause: error,
  });
}

interface Kind {
  code: ErrorCode;
  what(context: DatabaseErrorContext): string;
  after?(context: DatabaseErrorContext): string;
  fix(context: DatabaseErrorContext): string;
}

const RETRY_FIX = 'Retry when the server is reachable and accepting connections (the container entrypoint retries exit code 3 by itself).';

/** Not reached while connecting; lost once connected. */
const NETWORK: Kind = {
  code: 'DATABASE_UNREACHABLE',
  what: (context) => `${context.connecting ? 'Cannot reach' : 'Lost the connection to'} the database ${context.displayUrl}`,
  fix: () => `${RETRY_FIX} If it persists, check that DATABASE_URL has the right host and port and that the server is running.`,
};

const LOST: Kind = {
  code: 'CONNECTION_LOST',
  what: (context) => `the connection to ${context.displayUrl} was lost`,
  // PostgreSQL rolls back the open transaction of a session that ends; the history row commits
  // in that same transaction, so the next deploy sees the migration as pending and retries it.
  after: (context) => (context.migration ? '\nThe server rolled back the migration\'s transaction: none of its changes and no history row were kept.' : ''),
  fix: (context) => `Run deploy again${context.migration ? '; it retries this migration' : ''}. ${RETRY_FIX}`,
};

const SQLITE_LOCK: Kind = {
  code: 'LOCK_TIMEOUT',
  what: (context) => `another process held the write lock of ${context.displayUrl} for longer than the busy timeout (deploy --lock-timeout or ORCHESTRATOR_LOCK_TIMEOUT, in seconds; else ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS, in milliseconds)`,
  fix: () => 'Retry when the other writer is done (the container entrypoint retries exit code 3 by itself), or wait longer with deploy --lock-timeout <seconds>.',
};

const PG_LOCK: Kind = {
  code: 'LOCK_TIMEOUT',
  what: () => 'the migration waited for a lock another session holds, and gave up',
  after: (context) => (context.migration ? '\nThe migration was rolled back.' : ''),
  fix: () => 'Retry when the sessions holding locks on these tables are done (see pg_locks), or run deploy when traffic is lower.',
};

const AUTH: Kind = {
  code: 'DATABASE_AUTH_FAILED',
  what: (context) => `The server refused the login to ${context.displayUrl}`,
  fix: () => 'Check the user and password in DATABASE_URL (percent-encode special characters in the password), and that pg_hba.conf lets this user connect from this host.',
};

const NOT_FOUND: Kind = {
  code: 'DATABASE_NOT_FOUND',
  what: (context) => `The database of ${context.displayUrl} does not exist`,
  fix: (context) =>
    context.postgres
      ? `Create it: createdb -h ${context.postgres.host} -p ${context.postgres.port} -U ${context.postgres.user} ${context.postgres.database}, or correct the database name in DATABASE_URL.`
      : 'Create the database, or correct its name in DATABASE_URL.',
};

const DENIED: Kind = {
  code: 'DATABASE_PERMISSION_DENIED',
  what: (context) => `The database user of ${context.displayUrl} lacks a privilege this needs`,
  fix: () => 'Grant the user the privileges to create and change tables in this schema (e.g. GRANT CREATE, USAGE ON SCHEMA … TO …), and to read and write the plugins\' history tables, or deploy as the schema\'s owner.',
};

const SQLITE_DENIED: Kind = {
  code: 'DATABASE_PERMISSION_DENIED',
  what: (context) => `The SQLite database ${context.displayUrl} cannot be written`,
  fix: () => 'Make the file and its folder writable by this user (SQLite also writes a journal file beside it).',
};

const FILE_INVALID: Kind = {
  code: 'DATABASE_FILE_INVALID',
  what: (context) => `${context.displayUrl} is not a usable SQLite database`,
  fix: () => 'Point DATABASE_URL at a SQLite database file (or at a path where one can be created), on a regular filesystem.',
};

// "out of shared memory" is PostgreSQL's lock table overflowing: it holds max_locks_per_transaction
// x max_connections locks, and a transaction creating or altering thousands of tables (deploy
// --single-transaction of very many migrations) takes one lock per table. A retry fails the same way.
const PG_OUT_OF_MEMORY: Kind = {
  code: 'DATABASE_OUT_OF_MEMORY',
  what: (context) => `the server of ${context.displayUrl} ran out of memory`,
  after: (context) => (context.migration ? '\nThe migration was rolled back.' : ''),
  fix: () =>
    'If it says "out of shared memory", one transaction took more locks than the server\'s lock table holds (one per table created or altered, e.g. deploy --single-transaction of very many migrations): raise max_locks_per_transaction (postgresql.conf, or ALTER SYSTEM SET max_locks_per_transaction = 1024; a server restart applies it), or deploy without --single-transaction, which commits each migration and releases its locks.',
};

/** Node.js socket and DNS errors that mean the server was not there, or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE', 'EAI_AGAIN',
  // Retryable on purpose: in Docker Compose or Kubernetes, a database's host name resolves only once its container runs.
  'ENOTFOUND']);

/** SQLSTATEs that end or refuse a session for a reason that passes. */
const TRANSIENT_SERVER_CODES = new Set([
  '57P01', // admin_shutdown (server stopping, or pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);

function kindOf(code: string, context: DatabaseErrorContext): Kind | undefined {
  if (NETWORK_CODES.has(code)) return context.connecting ? NETWORK : LOST;
  // File system errors come from opening a SQLite file (PostgreSQL reaches the server over sockets only).
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return SQLITE_DENIED;
  if (code === 'ENOTDIR' || code === 'EISDIR') return FILE_INVALID;
  if (isSqlState(code)) {
    // Class 08: connection exception (08006 also stands for a socket node-postgres saw close).
    if (code.startsWith('08') || TRANSIENT_SERVER_CODES.has(code)) return context.connecting ? NETWORK : LOST;
    if (code === '28P01' || code === '28000') return AUTH;
    if (code === '3D000') return NOT_FOUND;
    if (code === '42501') return DENIED;
    if (code === '55P03' || code === '40P01') return PG_LOCK; // lock_not_available, deadlock_detected
    if (code === '53200') return PG_OUT_OF_MEMORY; // out_of_memory, also "out of shared memory"
    return undefined;
  }
  switch (sqlitePrimaryCode(code)) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return SQLITE_LOCK;
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_CANTOPEN':
      return FILE_INVALID;
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return SQLITE_DENIED;
    default:
      return undefined;
  }
}

/** SQLSTATEs are five digits or upper-case letters; Node.js system codes (EPERM, EROFS) start with E, which no SQLSTATE class does. */
function isSqlState(code: string): boolean {
  return code.length === 5 && !code.startsWith('E') && [...code].every((char) => (char >= '0' && char <= '9') || (char >= 'A' && char <= 'Z'));
}

/** better-sqlite3 reports extended codes (`SQLITE_BUSY_SNAPSHOT`); the primary code is the first two words. */
function sqlitePrimaryCode(code: string): string | undefined {
  if (!code.startsWith('SQLITE_')) return undefined;
  return code.split('_').slice(0, 2).join('_');
}

/** How long SQLite waits for another writer before SQLITE_BUSY, from ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS. */
export function sqliteBusyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS ?? 60_000);
  return Number.isFinite(value) && value >= 0 ? value : 60_000;
}

/**
 * An error with a driver code, for the conditions node-postgres reports without one: a connect
 * timeout (`ETIMEDOUT`) and a socket that closed under a session (`08006`, connection_failure,
 * the SQLSTATE libpq uses for it).
 */
export function codedError(code: string, message: string, cause?: unknown): Error & { code: string } {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}
