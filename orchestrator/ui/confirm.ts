import { createInterface } from 'node:readline/promises';
import { OrchestratorError } from '../errors.ts';

export interface ConfirmOptions {
  /** What will be lost, in one or more lines, e.g. "uninstall plugin one: drops tables books, authors". */
  summary: string;
  /** `--yes` was given: no question asked. */
  yes?: boolean;
  /** The flag that skips the question in scripts, for the error message (default `--yes`). */
  flag?: string;
  /** Where the question is asked; tests pass a fake terminal. Default: process.stdin/stderr. */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

/**
 * The one gate in front of everything that loses data (rollback, uninstall, a data-losing
 * generate): `--yes` passes; on a terminal the user types "yes"; anywhere else (CI, a pipe, a
 * container) it refuses with CONFIRMATION_REQUIRED, so a script never loses data silently nor
 * hangs waiting for an answer. Resolves when confirmed; throws when refused.
 */
export async function confirmDataLoss(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  const flag = options.flag ?? '--yes';
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (!input.isTTY) {
    throw new OrchestratorError('CONFIRMATION_REQUIRED', `${options.summary}\nThis loses data, and there is no terminal to confirm it on.`, {
      fix: `Review the above, then run the command again with ${flag}.`,
    });
  }
  const readline = createInterface({ input, output });
  try {
    const answer = await readline.question(`${options.summary}\nThis loses data. Type "yes" to go on: `);
    if (answer.trim().toLowerCase() !== 'yes') {
      throw new OrchestratorError('CONFIRMATION_REQUIRED', `${options.summary}\nNot confirmed: nothing was changed.`, {
        fix: `Run the command again and answer "yes", or pass ${flag} in scripts.`,
      });
    }
  } finally {
    readline.close();
  }
}
