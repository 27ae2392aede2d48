/**
 * Every failure a user can cause or fix is an OrchestratorError: a stable `code` for scripts,
 * a message that names the plugin/file involved, and a `fix` that says what to do next.
 * The CLI prints these without a stack trace; anything else is a bug and prints in full.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_MANIFEST_INVALID'
  | 'PLUGIN_MODELS_INVALID'
  | 'SCHEMA_INVALID'
  | 'SNAPSHOT_MISSING'
  | 'PROVIDER_MISMATCH'
  | 'DATABASE_URL_INVALID'
  | 'DATABASE_UNREACHABLE'
  | 'DATABASE_AUTH_FAILED'
  | 'DATABASE_NOT_FOUND'
  | 'DATABASE_PERMISSION_DENIED'
  | 'DATABASE_FILE_INVALID'
  | 'DATABASE_OUT_OF_MEMORY'
  | 'CONNECTION_LOST'
  | 'LOCK_TIMEOUT'
  | 'HISTORY_TABLE_INVALID'
  | 'MIGRATION_INVALID'
  | 'MIGRATION_MODIFIED'
  | 'MIGRATION_MISSING'
  | 'MIGRATION_NOT_FOUND'
  | 'MIGRATION_RENAMED'
  | 'MIGRATION_OUT_OF_ORDER'
  | 'MIGRATION_INTERRUPTED'
  | 'MIGRATION_FAILED'
  | 'PLUGIN_REMOVED'
  | 'OWNERSHIP_CONFLICT'
  | 'OWNERSHIP_VIOLATION'
  | 'SQL_UNVERIFIABLE'
  | 'ENUM_VALUE_IN_USE'
  | 'ENGINE_FAILED'
  | 'ENGINE_MISSING'
  | 'PRISMA_CLI_MISSING'
  | 'PRISMA_CLI_FAILED'
  | 'CONFIRMATION_REQUIRED'
  | 'BASELINE_MISMATCH'
  | 'SQUASH_PARTIALLY_APPLIED'
  | 'PLUGIN_IN_USE'
  | 'PLUGIN_EXISTS'
  | 'UNINSTALL_FAILED'
  | 'DOWN_MIGRATION_MISSING'
  | 'ROLLBACK_BLOCKED'
  | 'MIGRATION_NOT_APPLIED'
  | 'MIGRATION_NOT_FAILED'
  | 'ROLES_UNSUPPORTED'
  | 'PLUGIN_ROLE_DENIED';

/**
 * The only failures worth retrying unchanged (exit code 3, which the container entrypoint
 * retries): the server was not there, the connection dropped, or another deploy held the lock
 * too long. A wrong password or a missing database is permanent and exits 1.
 */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DATABASE_UNREACHABLE', 'CONNECTION_LOST', 'LOCK_TIMEOUT']);

export class OrchestratorError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, options: { fix?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrchestratorError';
    this.code = code;
    this.fix = options.fix;
  }

  /** The one paragraph the CLI prints: what went wrong, then how to fix it. */
  describe(): string {
    return this.fix ? `${this.message}\nFix: ${this.fix}` : this.message;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How much of a value from the user's files a message quotes: enough to recognise it, never a wall of text. */
const QUOTE_LIMIT = 80;

/** Text from a user's file, cut for a message: `very long…` (350000 characters). */
export function abbreviate(text: string): string {
  return text.length <= QUOTE_LIMIT ? text : `${text.slice(0, QUOTE_LIMIT)}… (${text.length} characters)`;
}

/** A value from a user's file, quoted and shortened for a message: `"very long…" (350000 characters)`. */
export function quoteForMessage(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, QUOTE_LIMIT)).slice(0, -1)}…" (${text.length} characters)`;
}
