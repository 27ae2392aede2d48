import { SqlSyntaxError } from './migration-plan.ts';
import { endOfBlockComment, lineAt } from './sql-text.ts';

/**
 * A SQLite token. `name` is set for what SQLite can read as a name: a bare word, or an
 * identifier quoted as "…", `…` or […] (dequoted), or a '…' string, which SQLite also accepts
 * where a name is expected.
 */
export interface Token {
  type: 'word' | 'identifier' | 'string' | 'number' | 'blob' | 'parameter' | 'punct' | 'comment';
  text: string;
  /** The bare or dequoted name; undefined for numbers, blobs, punctuation and comments. */
  name?: string;
  start: number;
  end: number;
}

/**
 * SQLite's lexical rules (sqlite.org/lang_keywords.html, lang_comment.html): strings in '…' with
 * '' for a quote; identifiers in "…" (""), `…` (``) and […] (no escape); `--` comments to the
 * end of the line and `/* … *\/` comments that do not nest (an unclosed one runs to the end).
 * Throws SqlSyntaxError for an unterminated string or identifier.
 */
export function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: Token['type'], end: number, name?: string) => {
    tokens.push({ type, text: script.slice(i, end), start: i, end, ...(name === undefined ? {} : { name }) });
    i = end;
  };
  while (i < script.length) {
    const char = script[i]!;
    if (/\s/.test(char)) i++;
    else if (script.startsWith('--', i)) {
      const end = script.indexOf('\n', i);
      push('comment', end === -1 ? script.length : end);
    } else if (script.startsWith('/*', i)) push('comment', endOfBlockComment(script, i, false));
    else if ((char === 'x' || char === 'X') && script[i + 1] === "'") push('blob', closingQuote(script, i + 1, "'") + 1);
    else if (char === "'") {
      const end = closingQuote(script, i, "'") + 1;
      push('string', end, script.slice(i + 1, end - 1).replace(/''/g, "'"));
    } else if (char === '"' || char === '`') {
      const end = closingQuote(script, i, char) + 1;
      push('identifier', end, script.slice(i + 1, end - 1).split(char + char).join(char));
    } else if (char === '[') {
      const close = script.indexOf(']', i);
      if (close === -1) throw unterminated(script, i, 'identifier');
      push('identifier', close + 1, script.slice(i + 1, close));
    } else if (isWordStart(char)) {
      let end = i + 1;
      while (end < script.length && isWordPart(script[end]!)) end++;
      push('word', end, script.slice(i, end));
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(script[i + 1] ?? ''))) {
      let end = i + 1;
      while (end < script.length && /[0-9A-Za-z_.]/.test(script[end]!)) end++;
      push('number', end);
    } else if (char === '?' || char === ':' || char === '@' || (char === '$' && isWordPart(script[i + 1] ?? ''))) {
      let end = i + 1;
      while (end < script.length && isWordPart(script[end]!)) end++;
      push('parameter', end);
    } else push('punct', i + 1);
  }
  return tokens;
}

function isWordStart(char: string): boolean {
  return /[A-Za-z_]/.test(char) || char.charCodeAt(0) > 127;
}

function isWordPart(char: string): boolean {
  return /[A-Za-z0-9_$]/.test(char) || char.charCodeAt(0) > 127;
}

/** The index of the quote closing the one at `open`; a doubled quote is an escaped one. */
function closingQuote(script: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] !== quote) return i;
      i += 2;
    } else i++;
  }
  throw unterminated(script, open, quote === "'" ? 'string' : 'identifier');
}

function unterminated(script: string, at: number, what: string): SqlSyntaxError {
  return new SqlSyntaxError(`unterminated quoted ${what} starting ${JSON.stringify(script.slice(at, at + 20))}`, lineAt(script, at));
}

/** True when the token is the given keyword (SQLite keywords are case-insensitive). */
export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.type === 'word' && words.includes(token.text.toUpperCase());
}
