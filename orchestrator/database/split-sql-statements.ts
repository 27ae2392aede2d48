import type { Provider } from '../config/provider.ts';

/**
 * Splits a migration script into statements, so deploy can run them one at a time and name the
 * one that failed. It understands what can hide a `;`: quoted strings and identifiers, comments,
 * PostgreSQL dollar quotes, and SQLite trigger bodies (`BEGIN … END;`).
 * Returns statements without their trailing `;`; comment-only chunks are dropped.
 */
export function splitSqlStatements(script: string, provider: Provider): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  // Depth of BEGIN/CASE … END inside a SQLite CREATE TRIGGER, where `;` ends inner statements.
  let blockDepth = 0;

  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (stripComments(text).trim() !== '') statements.push(text);
    start = end + 1;
    blockDepth = 0;
  };

  while (i < script.length) {
    const char = script[i]!;
    const next = script[i + 1];
    if (char === '-' && next === '-') {
      i = indexOrEnd(script, '\n', i);
    } else if (char === '/' && next === '*') {
      i = indexOrEnd(script, '*/', i + 2) + 2;
    } else if (char === "'" ) {
      const escapes = provider === 'postgresql' && /[eE]$/.test(script.slice(Math.max(0, i - 1), i));
      i = endOfQuoted(script, i, "'", escapes);
    } else if (char === '"' || char === '`') {
      i = endOfQuoted(script, i, char, false);
    } else if (char === '$' && provider === 'postgresql') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i));
      i = tag ? indexOrEnd(script, tag[0], i + tag[0].length) + tag[0].length : i + 1;
    } else if (/[A-Za-z_]/.test(char) && (i === 0 || !/[A-Za-z0-9_]/.test(script[i - 1]!))) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(i))![0];
      if (provider === 'sqlite' && isTriggerStatement(script.slice(start, i))) {
        const upper = word.toUpperCase();
        if (upper === 'BEGIN' || upper === 'CASE') blockDepth++;
        if (upper === 'END') blockDepth--;
      }
      i += word.length;
    } else if (char === ';') {
      if (blockDepth <= 0) push(i);
      i++;
    } else {
      i++;
    }
  }
  push(script.length);
  return statements;
}

/** Statements that would end or nest the transaction deploy wraps every migration in. */
export function isTransactionControl(statement: string): boolean {
  return /^(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION|SAVEPOINT|RELEASE)\b/i.test(stripComments(statement).trim());
}

function isTriggerStatement(textSoFar: string): boolean {
  return /^CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(stripComments(textSoFar).trim());
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

function indexOrEnd(text: string, needle: string, from: number): number {
  const index = text.indexOf(needle, from);
  return index === -1 ? text.length : index;
}

/** Index just past the closing quote; a doubled quote is an escaped one. */
function endOfQuoted(text: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < text.length) {
    if (backslashEscapes && text[i] === '\\') i += 2;
    else if (text[i] === quote && text[i + 1] === quote) i += 2;
    else if (text[i] === quote) return i + 1;
    else i++;
  }
  return text.length;
}
