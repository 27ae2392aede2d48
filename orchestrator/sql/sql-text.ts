/** Small text helpers the dialects share: positions and lines, not SQL parsing. */

/** The 1-based line of a character offset in a text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The offset of the first character after leading whitespace and comments (`-- …` to the end of
 * the line, `/* … *\/`). PostgreSQL nests block comments, SQLite does not. Only ever applied to a
 * statement the dialect has already delimited, to find where its code starts.
 */
export function skipLeadingComments(text: string, nestedBlockComments: boolean): number {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) i++;
    else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) i = endOfBlockComment(text, i, nestedBlockComments);
    else break;
  }
  return i;
}

/** The offset just past the block comment opening at `start` (the text's end when unclosed). */
export function endOfBlockComment(text: string, start: number, nested: boolean): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i) && (nested || depth === 0)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}

/** How much of a statement an error message quotes. */
const STATEMENT_PREVIEW = 400;

/** A statement for an error message: indented under its heading, cut after a few lines' worth. */
export function previewStatement(sql: string): string {
  const indented = sql.replace(/\n/g, '\n  ');
  return indented.length > STATEMENT_PREVIEW ? `${indented.slice(0, STATEMENT_PREVIEW)}…` : indented;
}
