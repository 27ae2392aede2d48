/** How a statement uses a table: changes it (DDL or DML on it), or points a foreign key at it. */
export type TableUse = 'write' | 'reference';

export interface TableReference {
  /** A table name, or for `kind: 'enum'` the name of a PostgreSQL enum type. */
  table: string;
  use: TableUse;
  kind: 'table' | 'enum';
}

// A table name as migrations write it: "name", `name`, [name] or name, optionally schema-qualified.
const NAME = String.raw`(?:(?:"[^"]+"|\w+)\s*\.\s*)?("[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|\w+)`;
const IF_EXISTS = String.raw`(?:IF\s+(?:NOT\s+)?EXISTS\s+)?`;
const ONLY = String.raw`(?:ONLY\s+)?`;

const WRITE_PATTERNS = [
  String.raw`\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP|TEMPORARY|UNLOGGED\s+)?\s*TABLE\s+${IF_EXISTS}${NAME}`,
  String.raw`\bALTER\s+TABLE\s+${IF_EXISTS}${ONLY}${NAME}`,
  String.raw`\bDROP\s+TABLE\s+${IF_EXISTS}${NAME}`,
  String.raw`\bRENAME\s+TO\s+${NAME}`,
  String.raw`\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?${IF_EXISTS}(?:${NAME}\s+)?ON\s+${ONLY}${NAME}`,
  String.raw`\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+${NAME}`,
  String.raw`\bREPLACE\s+INTO\s+${NAME}`,
  // Not the `ON UPDATE CASCADE` of a foreign key.
  String.raw`(?<!\bON\s+)\bUPDATE\s+(?:OR\s+\w+\s+)?${ONLY}${NAME}`,
  String.raw`\bDELETE\s+FROM\s+${ONLY}${NAME}`,
  String.raw`\bTRUNCATE\s+(?:TABLE\s+)?${ONLY}${NAME}`,
].map((pattern) => new RegExp(pattern, 'gi'));

const ENUM_WRITE_PATTERN = new RegExp(String.raw`\b(?:CREATE|ALTER|DROP)\s+TYPE\s+${IF_EXISTS}${NAME}`, 'gi');

const REFERENCE_PATTERN = new RegExp(String.raw`\bREFERENCES\s+${NAME}`, 'gi');

/**
 * The tables a SQL statement writes to or references, read from its text. It is a guard for
 * hand-edited migrations, not a SQL parser: it knows the statement shapes migrations use
 * (Prisma's own output and the usual hand-written DML), ignoring comments and string literals.
 */
export function tableReferences(statement: string): TableReference[] {
  const code = statement
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
  const found: TableReference[] = [];
  for (const pattern of WRITE_PATTERNS) {
    for (const match of code.matchAll(pattern)) found.push({ table: unquote(match.at(-1)!), use: 'write', kind: 'table' });
  }
  for (const match of code.matchAll(ENUM_WRITE_PATTERN)) found.push({ table: unquote(match[1]!), use: 'write', kind: 'enum' });
  for (const match of code.matchAll(REFERENCE_PATTERN)) found.push({ table: unquote(match[1]!), use: 'reference', kind: 'table' });
  return found;
}

function unquote(name: string): string {
  return /^["`[]/.test(name) ? name.slice(1, -1) : name;
}
