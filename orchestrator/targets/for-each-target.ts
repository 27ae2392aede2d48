import { OrchestratorError } from '../errors.ts';
import { toTargetError, type TargetError } from './target-error.ts';
import type { Target } from './target.ts';

/** What became of one target: its work's value, its error, or skipped (--fail-fast stopped the run first). */
export type TargetOutcome<T> =
  | { target: Target; state: 'done'; value: T; durationMs: number }
  | { target: Target; state: 'failed'; error: TargetError; durationMs: number }
  | { target: Target; state: 'skipped' };

export interface ForEachTargetOptions<T> {
  /** How many targets run at once (each holds one connection). */
  concurrency: number;
  /** After the first failure, start no new target; those running finish. */
  failFast?: boolean;
  /** Called as each target finishes, in the order they finish. */
  onSettled?: (outcome: TargetOutcome<T>, settledCount: number) => void;
}

export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs `work` for every target, at most `concurrency` at a time, in list order. A failing target
 * is recorded and the others go on. Outcomes come back in list order, whatever order they finished in.
 */
export async function forEachTarget<T>(targets: Target[], options: ForEachTargetOptions<T>, work: (target: Target) => Promise<T>): Promise<TargetOutcome<T>[]> {
  checkConcurrency(options.concurrency);
  const outcomes: TargetOutcome<T>[] = targets.map((target) => ({ target, state: 'skipped' }));
  let next = 0;
  let settled = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      const started = performance.now();
      let outcome: TargetOutcome<T>;
      try {
        outcome = { target, state: 'done', value: await work(target), durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        outcome = { target, state: 'failed', error: toTargetError(error), durationMs: Math.round(performance.now() - started) };
        if (options.failFast) stopped = true;
      }
      outcomes[index] = outcome;
      options.onSettled?.(outcome, ++settled);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
  return outcomes;
}

function checkConcurrency(concurrency: number): void {
  if (Number.isSafeInteger(concurrency) && concurrency >= 1) return;
  throw new OrchestratorError('CONFIG_INVALID', `Concurrency ${concurrency} is not a whole number of targets, 1 or more.`, {
    fix: `Pass --concurrency a whole number such as ${DEFAULT_CONCURRENCY}; each target in flight holds one database connection.`,
  });
}
