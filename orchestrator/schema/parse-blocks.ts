/**
 * A small reader for the top-level blocks of a Prisma schema. It is not a Prisma parser
 * (the schema engine validates the real grammar); it finds which tables and enums a plugin
 * declares, which fields point at other models, and rejects blocks a plugin must not carry.
 */
export interface SchemaBlock {
  kind: string;
  name: string;
  /** 1-based lines of the opening line and of the closing `}`. */
  line: number;
  endLine: number;
  /** `@@map("…")` if present, else the block name: the table or enum name in the database. */
  dbName: string;
  /** Model fields (empty for other kinds). */
  fields: SchemaField[];
  /** Raw `@@…` block attributes, e.g. `@@unique([a, b])`. */
  blockAttributes: string[];
}

export interface SchemaField {
  name: string;
  /** The type without `?` or `[]`, e.g. `Book`. */
  type: string;
  optional: boolean;
  list: boolean;
  /** Everything after the type, e.g. `@relation(fields: [bookId], references: [id])`. */
  attributes: string;
}

const BLOCK_START = /^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{/;
const MAP_ATTRIBUTE = /^\s*@@map\(\s*(?:name\s*:\s*)?"([^"]+)"/;
const FIELD = /^\s*(\w+)\s+(\w+(?:\.\w+)?)(\[\])?(\?)?\s*(.*)$/;

export function parseBlocks(source: string): SchemaBlock[] {
  const blocks: SchemaBlock[] = [];
  let open: SchemaBlock | undefined;
  codeLines(source).forEach((line, index) => {
    if (!open) {
      const start = BLOCK_START.exec(line);
      if (start) {
        open = { kind: start[1]!, name: start[2]!, line: index + 1, endLine: index + 1, dbName: start[2]!, fields: [], blockAttributes: [] };
        if (/\}\s*$/.test(line)) closeBlock(index);
      }
      return;
    }
    if (/^\s*\}/.test(line)) return closeBlock(index);
    const map = MAP_ATTRIBUTE.exec(line);
    if (map) open.dbName = map[1]!;
    if (/^\s*@@/.test(line)) open.blockAttributes.push(line.trim());
    else if (open.kind === 'model') {
      const field = FIELD.exec(line);
      if (field) {
        open.fields.push({ name: field[1]!, type: field[2]!, list: Boolean(field[3]), optional: Boolean(field[4]), attributes: field[5]!.trim() });
      }
    }
  });
  if (open) blocks.push(open);
  return blocks;

  function closeBlock(index: number): void {
    open!.endLine = index + 1;
    blocks.push(open!);
    open = undefined;
  }
}

/** The source's lines with `//` comments removed (string literals kept intact). */
export function codeLines(source: string): string[] {
  return source.split('\n').map((line) => line.slice(0, commentStart(line)));
}

/** Index where a `//` comment starts on this line, or the line's length. */
export function commentStart(line: string): number {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '\\' && inString) i++;
    else if (char === '"') inString = !inString;
    else if (!inString && char === '/' && line[i + 1] === '/') return i;
  }
  return line.length;
}
