import { SqlSyntaxError, type DataLossRisk, type ObjectKind, type ObjectUse, type PlannedStatement, type TouchedObject } from './migration-plan.ts';
import type { SqlDialect } from './sql-dialect.ts';
import { lineAt } from './sql-text.ts';
import { isWord, tokenize, type Token } from './sqlite-tokens.ts';

type StatementFacts = Omit<PlannedStatement, 'index' | 'sql' | 'line'>;

/**
 * SQLite, read with a tokenizer that knows its quoting and comments (sqlite-tokens.ts), then by
 * the head of each statement, following the statement diagrams of sqlite.org/lang.html. SQLite's
 * grammar is small; a statement head it does not have is a syntax error here, before any SQL runs.
 */
export class SqliteSqlDialect implements SqlDialect {
  readonly provider = 'sqlite' as const;
  readonly displayName = 'SQLite';
  readonly defaultSchema = 'main';

  /** SQLite compares identifiers without regard to ASCII case, quoted or not: "Books" is books. */
  nameKey(name: string): string {
    return name.replace(/[A-Z]/g, (char) => char.toLowerCase());
  }

  async readStatements(script: string): Promise<PlannedStatement[]> {
    let counted = 0;
    let line = 1;
    return splitStatements(tokenize(script)).map((tokens, index) => {
      const start = tokens[0]!.start;
      for (; counted < start; counted++) if (script.charCodeAt(counted) === 10) line++;
      return { index, sql: script.slice(start, tokens.at(-1)!.end), line, ...describe(new Cursor(tokens, script)) };
    });
  }
}

/**
 * Groups code tokens into statements at each `;`, except inside a trigger body
 * (`CREATE TRIGGER … BEGIN …; …; END`), where BEGIN/CASE … END pairs are counted. Comments are
 * dropped; a statement of comments only is none.
 */
function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.type === 'comment') continue;
    if (token.type === 'punct' && token.text === ';' && depth === 0) {
      if (current.length > 0) statements.push(current);
      current = [];
      continue;
    }
    current.push(token);
    if (isTrigger(current)) {
      if (isWord(token, 'BEGIN', 'CASE')) depth++;
      else if (isWord(token, 'END')) depth = Math.max(0, depth - 1);
    }
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function isTrigger(tokens: Token[]): boolean {
  const head = isWord(tokens[1], 'TEMP', 'TEMPORARY') ? 2 : 1;
  return isWord(tokens[0], 'CREATE') && isWord(tokens[head], 'TRIGGER');
}

/** Reads one statement's tokens from the front. */
class Cursor {
  position = 0;
  readonly touches: TouchedObject[] = [];
  /** What the statement may destroy (see DataLossRisk). */
  readonly risks: DataLossRisk[] = [];
  dynamic = false;

  constructor(
    readonly tokens: Token[],
    readonly script: string,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  /** Consumes the keyword(s) in order if they are next; true when they were. */
  accept(...words: string[]): boolean {
    if (!words.every((word, offset) => isWord(this.peek(offset), word))) return false;
    this.position += words.length;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) throw this.error(`expected ${words.join(' ')}`);
  }

  acceptPunct(text: string): boolean {
    if (this.peek()?.type !== 'punct' || this.peek()!.text !== text) return false;
    this.position++;
    return true;
  }

  /** `name` or `schema.name`, bare or quoted. */
  name(): { name: string; schema?: string } {
    const first = this.nameToken();
    if (this.peek()?.text === '.' && this.peek(1)?.name !== undefined) {
      this.position++;
      return { schema: first, name: this.nameToken() };
    }
    return { name: first };
  }

  /** Skips a balanced `( … )` starting at the cursor, returning its inner tokens. */
  parenthesised(): Token[] {
    if (this.peek()?.text !== '(') throw this.error('expected (');
    const start = this.position + 1;
    let depth = 0;
    do {
      const text = this.tokens[this.position]?.text;
      if (text === undefined) throw this.error('unbalanced parentheses');
      if (text === '(') depth++;
      else if (text === ')') depth--;
      this.position++;
    } while (depth > 0);
    return this.tokens.slice(start, this.position - 1);
  }

  rest(): Token[] {
    return this.tokens.slice(this.position);
  }

  add(kind: ObjectKind, target: { name: string; schema?: string }, use: ObjectUse, table?: string): void {
    const touched: TouchedObject = { kind, name: target.name, use };
    if (target.schema !== undefined) touched.schema = target.schema;
    if (table !== undefined) touched.table = table;
    if (!this.touches.some((t) => t.kind === kind && t.name === touched.name && t.schema === touched.schema && t.use === use)) this.touches.push(touched);
  }

  error(message: string): SqlSyntaxError {
    const at = this.peek() ?? this.tokens.at(-1)!;
    return new SqlSyntaxError(`${message} near "${at.text}"`, lineAt(this.script, at.start));
  }

  private nameToken(): string {
    const token = this.peek();
    if (token?.name === undefined) throw this.error('expected a name');
    this.position++;
    return token.name;
  }
}

/** What one statement is and touches, from its head. */
function describe(cursor: Cursor): StatementFacts {
  const facts = (kind: string, extra: Partial<StatementFacts> = {}): StatementFacts => ({
    kind,
    touches: cursor.touches,
    transaction: 'transactional',
    dynamic: cursor.dynamic,
    ...(cursor.risks.length > 0 ? { risks: cursor.risks } : {}),
    ...extra,
  });
  const head = cursor.peek()!;
  if (head.type !== 'word') {
    if (head.text === '(') return readQuery(cursor, 'SELECT');
    throw cursor.error('a statement cannot start here');
  }
  switch (head.text.toUpperCase()) {
    case 'CREATE':
      return facts(readCreate(cursor));
    case 'ALTER':
      return facts(readAlter(cursor));
    case 'DROP':
      return facts(readDrop(cursor));
    case 'INSERT':
    case 'REPLACE':
    case 'UPDATE':
    case 'DELETE':
    case 'WITH':
      return facts(readDml(cursor));
    case 'SELECT':
    case 'VALUES':
      return readQuery(cursor, head.text.toUpperCase());
    case 'EXPLAIN':
      // EXPLAIN shows the program SQLite would run; it does not run it.
      return facts('EXPLAIN');
    case 'PRAGMA':
      return readPragma(cursor);
    case 'VACUUM':
    case 'DETACH':
      // SQLite refuses these inside a transaction ("cannot VACUUM from within a transaction").
      return facts(head.text.toUpperCase(), { transaction: 'outside-transaction' });
    case 'ATTACH':
      // The attached file may be this very database under another schema name (`x.books`), so
      // what later statements touch through it cannot be read from their text.
      return facts('ATTACH', { transaction: 'outside-transaction', dynamic: true });
    case 'ANALYZE':
      return facts('ANALYZE');
    case 'REINDEX':
      cursor.position++;
      if (cursor.peek()?.name !== undefined) {
        // One name for a table, an index or a collation: count it as each.
        const target = cursor.name();
        cursor.add('table', target, 'write');
        cursor.add('index', target, 'write');
      }
      return facts('REINDEX');
    case 'BEGIN':
      return facts('BEGIN', { transactionControl: 'begin' });
    case 'COMMIT':
    case 'END':
      return facts('COMMIT', { transactionControl: 'commit' });
    case 'ROLLBACK':
      return facts('ROLLBACK', { transactionControl: cursor.tokens.some((t) => isWord(t, 'TO')) ? 'other' : 'rollback' });
    case 'SAVEPOINT':
      return facts('SAVEPOINT', { transactionControl: 'savepoint' });
    case 'RELEASE':
      return facts('RELEASE', { transactionControl: 'release' });
    default:
      throw cursor.error('not a SQLite statement');
  }
}

function readCreate(cursor: Cursor): string {
  cursor.expect('CREATE');
  const temporary = cursor.accept('TEMP') || cursor.accept('TEMPORARY');
  const inTemp = (target: { name: string; schema?: string }) => (temporary && target.schema === undefined ? { ...target, schema: 'temp' } : target);
  if (cursor.accept('VIRTUAL')) {
    cursor.expect('TABLE');
    cursor.accept('IF', 'NOT', 'EXISTS');
    cursor.add('table', cursor.name(), 'write');
    return 'CREATE VIRTUAL TABLE';
  }
  if (cursor.accept('TABLE')) {
    cursor.accept('IF', 'NOT', 'EXISTS');
    cursor.add('table', inTemp(cursor.name()), 'write');
    readReferences(cursor, cursor.rest());
    readReads(cursor, cursor.rest());
    return 'CREATE TABLE';
  }
  const unique = cursor.accept('UNIQUE');
  if (cursor.accept('INDEX')) {
    cursor.accept('IF', 'NOT', 'EXISTS');
    const index = cursor.name();
    cursor.expect('ON');
    const table = cursor.name();
    // An index lives in its table's schema, which the index name carries (`main.i ON t`).
    cursor.add('table', { name: table.name, ...(index.schema === undefined ? {} : { schema: index.schema }) }, 'write');
    cursor.add('index', index, 'write', table.name);
    return unique ? 'CREATE UNIQUE INDEX' : 'CREATE INDEX';
  }
  if (unique) throw cursor.error('expected INDEX');
  if (cursor.accept('VIEW')) {
    cursor.accept('IF', 'NOT', 'EXISTS');
    cursor.add('view', inTemp(cursor.name()), 'write');
    readReads(cursor, cursor.rest());
    return 'CREATE VIEW';
  }
  if (cursor.accept('TRIGGER')) {
    readTrigger(cursor, inTemp);
    return 'CREATE TRIGGER';
  }
  throw cursor.error('expected TABLE, INDEX, VIEW or TRIGGER');
}

/**
 * `CREATE TRIGGER name … ON table [WHEN …] BEGIN stmt; …; END`: the trigger changes its table's
 * behaviour (a write to the table), and its body's statements run on every firing, so what they
 * touch counts as touched by this migration.
 */
function readTrigger(cursor: Cursor, inTemp: (target: { name: string; schema?: string }) => { name: string; schema?: string }): void {
  cursor.accept('IF', 'NOT', 'EXISTS');
  const trigger = inTemp(cursor.name());
  const rest = cursor.rest();
  const on = rest.findIndex((token) => isWord(token, 'ON'));
  const begin = rest.findIndex((token) => isWord(token, 'BEGIN'));
  if (on === -1 || begin === -1 || on > begin) throw cursor.error('expected ON … BEGIN');
  cursor.position += on + 1;
  const table = cursor.name();
  cursor.add('table', { name: table.name, ...(trigger.schema === 'temp' || table.schema === undefined ? {} : { schema: table.schema }) }, 'write');
  cursor.add('trigger', trigger, 'write', table.name);
  readReads(cursor, rest.slice(on + 1, begin));
  const body = rest.slice(begin + 1, isWord(rest.at(-1), 'END') ? -1 : undefined);
  for (const statement of splitBody(body)) {
    const inner = new Cursor(statement, cursor.script);
    const facts = describe(inner);
    for (const touched of facts.touches) cursor.add(touched.kind, touched, touched.use, touched.table);
    if (facts.dynamic) cursor.dynamic = true;
  }
}

/** A trigger body's statements: split at `;` outside CASE … END. */
function splitBody(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === ';' && token.type === 'punct' && depth === 0) {
      if (current.length > 0) statements.push(current);
      current = [];
      continue;
    }
    if (isWord(token, 'CASE')) depth++;
    else if (isWord(token, 'END')) depth--;
    current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

/** ALTER TABLE t RENAME TO u | RENAME [COLUMN] a TO b | ADD [COLUMN] def | DROP [COLUMN] c. */
function readAlter(cursor: Cursor): string {
  cursor.expect('ALTER', 'TABLE');
  const table = cursor.name();
  cursor.add('table', table, 'write');
  if (cursor.accept('RENAME', 'TO')) {
    const renamed = cursor.name();
    cursor.add('table', { name: renamed.name, ...(table.schema === undefined ? {} : { schema: table.schema }) }, 'write');
    return 'ALTER TABLE … RENAME TO';
  }
  if (cursor.accept('ADD')) {
    cursor.accept('COLUMN');
    const definition = cursor.rest();
    const column = cursor.name().name;
    // SQLite refuses such a column on a table with rows ("Cannot add a NOT NULL column with default value NULL").
    const notNull = definition.some((token, i) => isWord(token, 'NOT') && isWord(definition[i + 1], 'NULL'));
    if (notNull && !definition.some((token) => isWord(token, 'DEFAULT', 'GENERATED', 'AS'))) cursor.risks.push({ kind: 'required-column', table: table.name, column });
    readReferences(cursor, definition);
    return 'ALTER TABLE … ADD COLUMN';
  }
  if (cursor.accept('RENAME')) return 'ALTER TABLE … RENAME COLUMN';
  if (cursor.accept('DROP')) {
    cursor.accept('COLUMN');
    cursor.risks.push({ kind: 'drop-column', table: table.name, column: cursor.name().name });
    return 'ALTER TABLE … DROP COLUMN';
  }
  throw cursor.error('expected RENAME, ADD or DROP');
}

/** DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name[, name…]. */
function readDrop(cursor: Cursor): string {
  cursor.expect('DROP');
  const kinds: Record<string, ObjectKind> = { TABLE: 'table', INDEX: 'index', VIEW: 'view', TRIGGER: 'trigger' };
  const word = cursor.peek()?.text.toUpperCase() ?? '';
  const kind = kinds[word];
  if (!kind || cursor.peek()?.type !== 'word') throw cursor.error('expected TABLE, INDEX, VIEW or TRIGGER');
  cursor.position++;
  cursor.accept('IF', 'EXISTS');
  do {
    const target = cursor.name();
    cursor.add(kind, target, 'write');
    if (kind === 'table') cursor.risks.push({ kind: 'drop-table', table: target.name });
  } while (cursor.acceptPunct(','));
  return `DROP ${word}`;
}

/**
 * INSERT/REPLACE/UPDATE/DELETE, with a leading WITH: the target table is written; the CTEs and
 * the rest of the statement only read. SQLite's CTEs are SELECTs (no data-modifying CTEs).
 */
function readDml(cursor: Cursor): string {
  if (cursor.accept('WITH')) {
    cursor.accept('RECURSIVE');
    do {
      cursor.name();
      if (cursor.peek()?.text === '(') cursor.parenthesised();
      cursor.expect('AS');
      cursor.accept('NOT');
      cursor.accept('MATERIALIZED');
      readReads(cursor, cursor.parenthesised());
    } while (cursor.acceptPunct(','));
    if (isWord(cursor.peek(), 'SELECT', 'VALUES')) {
      readReads(cursor, cursor.rest());
      return 'SELECT';
    }
  }
  const head = cursor.peek()?.text.toUpperCase() ?? '';
  if (cursor.accept('INSERT') || cursor.accept('REPLACE')) {
    if (head === 'INSERT' && cursor.accept('OR')) cursor.position++;
    cursor.expect('INTO');
  } else if (cursor.accept('UPDATE')) {
    if (cursor.accept('OR')) cursor.position++;
  } else if (cursor.accept('DELETE')) {
    cursor.expect('FROM');
  } else throw cursor.error('expected INSERT, REPLACE, UPDATE, DELETE or SELECT');
  cursor.add('table', cursor.name(), 'write');
  readReads(cursor, cursor.rest());
  return head;
}

function readQuery(cursor: Cursor, kind: string): StatementFacts {
  readReads(cursor, cursor.rest());
  return { kind, touches: cursor.touches, transaction: 'transactional', dynamic: false };
}

/**
 * PRAGMA [schema.]name [= value | (value)]. `writable_schema` lets later statements rewrite
 * sqlite_schema itself, so what they change can no longer be read from their text.
 * `journal_mode` cannot change inside a transaction.
 */
function readPragma(cursor: Cursor): StatementFacts {
  cursor.expect('PRAGMA');
  const pragma = cursor.name().name.toLowerCase();
  return {
    kind: 'PRAGMA',
    touches: cursor.touches,
    transaction: pragma === 'journal_mode' ? 'outside-transaction' : 'transactional',
    dynamic: pragma === 'writable_schema',
  };
}

/** Foreign keys (`REFERENCES t`) in column and table constraints: references, not changes. */
function readReferences(cursor: Cursor, tokens: Token[]): void {
  tokens.forEach((token, i) => {
    const target = tokens[i + 1];
    if (isWord(token, 'REFERENCES') && target?.name !== undefined) cursor.add('table', { name: target.name }, 'reference');
  });
}

/** Keywords that end a FROM list item (so they are not taken for an alias). */
const CLAUSE_WORDS = new Set(['WHERE', 'JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'CROSS', 'NATURAL', 'OUTER', 'ON', 'USING', 'GROUP', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', 'HAVING', 'RETURNING', 'SET', 'DO', 'INDEXED', 'NOT', 'AS']);

/** Tables read by FROM / JOIN (a table-valued function, `json_each(…)`, is none; a sub-query is read on its own). */
function readReads(cursor: Cursor, tokens: Token[]): void {
  const isClauseWord = (token: Token | undefined) => token?.type === 'word' && CLAUSE_WORDS.has(token.text.toUpperCase());
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'FROM', 'JOIN') || isWord(tokens[i - 1], 'DISTINCT')) continue;
    let j = i + 1;
    for (;;) {
      const first = tokens[j];
      if (first?.text === '(') {
        j = afterParentheses(tokens, j);
      } else if (first?.name !== undefined && !isClauseWord(first)) {
        let target: { name: string; schema?: string } = { name: first.name };
        j++;
        if (tokens[j]?.text === '.' && tokens[j + 1]?.name !== undefined) {
          target = { schema: first.name, name: tokens[j + 1]!.name! };
          j += 2;
        }
        if (tokens[j]?.text === '(') j = afterParentheses(tokens, j);
        else cursor.add('table', target, 'read');
      } else break;
      if (isWord(tokens[j], 'AS')) j++;
      if (tokens[j]?.name !== undefined && !isClauseWord(tokens[j])) j++;
      if (tokens[j]?.text !== ',') break;
      j++;
    }
  }
}

/** The index just past the `( … )` group opening at `open`. */
function afterParentheses(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i + 1;
  }
  return tokens.length;
}
