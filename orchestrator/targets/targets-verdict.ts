import type { TargetError } from './target-error.ts';

/**
 * What a many-target run amounts to, for an exit code: `failed` when any target failed for a
 * reason retrying will not fix, `retryable` when every failure may pass on a retry (the server
 * was unreachable, the connection dropped, a lock wait ran out), `not-up-to-date` (status) when
 * none failed but some target has work left.
 */
export type TargetsVerdict = 'ok' | 'not-up-to-date' | 'failed' | 'retryable';

export function targetsVerdict(errors: TargetError[], everyTargetUpToDate = true): TargetsVerdict {
  if (errors.length > 0) return errors.every((error) => error.retryable) ? 'retryable' : 'failed';
  return everyTargetUpToDate ? 'ok' : 'not-up-to-date';
}
