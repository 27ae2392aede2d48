import type { TargetError } from '../targets/target-error.ts';

/** A failed target's error in one table cell: its code; the message follows the table in full. */
export function errorCell(error: TargetError): string {
  return `${error.code} (see below)`;
}

/** The full error of each failed target, as the single-database CLI prints it, below the table. */
export function describeFailures(failures: { target: string; error?: TargetError }[]): string[] {
  return failures.flatMap(({ target, error }) => (error ? ['', `${target}:`, `  Error [${error.code}]: ${indent(error.message)}`, ...(error.fix ? [`  Fix: ${indent(error.fix)}`] : [])] : []));
}

function indent(text: string): string {
  return text.split('\n').join('\n  ');
}
