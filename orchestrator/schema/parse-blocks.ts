/**
 * A small reader for the top-level blocks of a Prisma schema. It is not a Prisma parser
 * (the schema engine validates the real grammar); it finds which tables and enums a plugin
 * declares, and rejects blocks a plugin must not carry.
 */
export interface SchemaBlock {
  kind: string;
  name: string;
  /** 1-based line of the block's opening line. */
  line: number;
  /** `@@map("…")` for models, `@@map` for enums; otherwise the block name. */
  dbName: string;
}

const BLOCK_START = /^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{/;
const MAP_ATTRIBUTE = /^\s*@@map\(\s*(?:name\s*:\s*)?"([^"]+)"/;

export function parseBlocks(source: string): SchemaBlock[] {
  const blocks: SchemaBlock[] = [];
  let open: SchemaBlock | undefined;
  codeLines(source).forEach((line, index) => {
    if (!open) {
      const start = BLOCK_START.exec(line);
      if (start) {
        open = { kind: start[1]!, name: start[2]!, line: index + 1, dbName: start[2]! };
        if (line.includes('}')) closeBlock();
      }
      return;
    }
    const map = MAP_ATTRIBUTE.exec(line);
    if (map) open.dbName = map[1]!;
    if (/^\s*\}/.test(line)) closeBlock();
  });
  if (open) blocks.push(open);
  return blocks;

  function closeBlock(): void {
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
