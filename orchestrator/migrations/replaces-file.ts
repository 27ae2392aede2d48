import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonObject } from '../config/read-json-object.ts';
import { OrchestratorError } from '../errors.ts';

/**
 * A squashed migration's folder holds, beside its migration.sql, `replaces.json`: the migrations
 * it replaces (as Django's `replaces`), so a database that applied them records the squashed one
 * without running it. A replaced migration that was itself a squash keeps its own list:
 *   {"replaces": ["20260101000000_init", {"name": "20260301000000_squashed", "replaces": ["…"]}]}
 */
export const REPLACES_FILE = 'replaces.json';

export interface ReplacedMigration {
  name: string;
  /** Set when the replaced migration was itself a squash: what it replaced. */
  replaces?: ReplacedMigration[];
}

const EXAMPLE = '{"replaces": ["20260101000000_init", "20260102000000_update"]}';

/** The migrations a migration folder replaces, or undefined when it is no squash. */
export function readReplaces(dir: string): ReplacedMigration[] | undefined {
  const file = path.join(dir, REPLACES_FILE);
  if (!existsSync(file)) return undefined;
  const list = readJsonObject(file, 'MIGRATION_INVALID', EXAMPLE).replaces;
  const entries = parseEntries(list);
  if (!entries || entries.length === 0) {
    throw new OrchestratorError('MIGRATION_INVALID', `${file} must list the migrations it replaces under "replaces".`, {
      fix: `Restore it from version control (squash writes it); it looks like ${EXAMPLE}.`,
    });
  }
  return entries;
}

function parseEntries(value: unknown): ReplacedMigration[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const entries: ReplacedMigration[] = [];
  for (const item of value) {
    if (typeof item === 'string' && item !== '') entries.push({ name: item });
    else if (typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string') {
      const nested = parseEntries((item as { replaces?: unknown }).replaces);
      if (!nested) return undefined;
      entries.push({ name: (item as { name: string }).name, replaces: nested });
    } else return undefined;
  }
  return entries;
}

export function writeReplaces(dir: string, replaces: ReplacedMigration[]): string {
  const file = path.join(dir, REPLACES_FILE);
  const entry = (item: ReplacedMigration): unknown => (item.replaces ? { name: item.name, replaces: item.replaces.map(entry) } : item.name);
  writeFileSync(file, `${JSON.stringify({ replaces: replaces.map(entry) }, null, 2)}\n`);
  return file;
}

/** Every migration name a list covers, nested squashes included. */
export function replacedNames(replaces: ReplacedMigration[]): string[] {
  return replaces.flatMap((item) => [item.name, ...replacedNames(item.replaces ?? [])]);
}
