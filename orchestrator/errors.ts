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
  | 'MIGRATION_MODIFIED'
  | 'MIGRATION_MISSING'
  | 'MIGRATION_FAILED'
  | 'OWNERSHIP_CONFLICT'
  | 'OWNERSHIP_VIOLATION'
  | 'ENGINE_FAILED'
  | 'ENGINE_MISSING'
  | 'PRISMA_CLI_MISSING'
  | 'PRISMA_CLI_FAILED';

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
