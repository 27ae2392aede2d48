import { describeDatabaseError } from '../database/classify-database-error.ts';
import { OrchestratorError, RETRYABLE_CODES, type ErrorCode } from '../errors.ts';

/** Why one target failed, as a report carries it (the run goes on with the other targets). */
export interface TargetError {
  /** The stable code the CLI prints; UNEXPECTED_ERROR for a failure the orchestrator does not know (a bug). */
  code: ErrorCode | 'UNEXPECTED_ERROR';
  message: string;
  fix?: string;
  /** True when retrying unchanged may help (exit code 3 when every failure is). */
  retryable: boolean;
}

export function toTargetError(error: unknown): TargetError {
  if (error instanceof OrchestratorError) {
    return { code: error.code, message: error.message, ...(error.fix === undefined ? {} : { fix: error.fix }), retryable: RETRYABLE_CODES.has(error.code) };
  }
  return { code: 'UNEXPECTED_ERROR', message: describeDatabaseError(error), fix: 'Run the deploy of this target alone with --verbose for the stack trace, and report it if it looks like a bug.', retryable: false };
}
