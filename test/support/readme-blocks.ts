import { readFileSync } from 'node:fs';

/** A fenced block of a Markdown file. */
export interface FencedBlock {
  /** The fence's info string: `sh`, `sql`, '' for a plain block. */
  language: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The heading the block is under. */
  section: string;
  /** The last non-empty line of prose before the block (what introduces it). */
  intro: string;
}

export const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);

/** Every fenced block, in order; indented fences (inside list items) too. */
export function fencedBlocks(file: string): FencedBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  let section = '';
  let intro = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const open = /^( *)```(\S*)\s*$/.exec(line);
    if (!open) {
      if (/^#{1,6} /.test(line)) section = line.replace(/^#+ /, '');
      if (line.trim() !== '') intro = line.trim();
      continue;
    }
    const indent = open[1]!;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && lines[end]!.trim() !== '```') body.push(lines[end++]!.slice(indent.length));
    blocks.push({ language: open[2]!, body: body.join('\n'), line: index + 1, section, intro });
    intro = '';
    index = end;
  }
  return blocks;
}

/**
 * The marker that keeps a shell block from running, as an HTML comment on the line before its
 * fence (invisible on GitHub), with the reason: `<!-- readme-test: skip (needs docker) -->`.
 */
export const SKIP_MARKER = /<!--\s*readme-test:\s*skip\b[^>]*-->/;
